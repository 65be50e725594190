import { findKeys, type Match } from './detect.js';

/** Where a finding was seen: the working tree, a commit of the history, or the index. */
export type FindingSource = 'file' | 'history' | 'staged';

export interface Finding extends Match {
  source: FindingSource;
  /** As given on the command line joined with the path under it (so it can be opened as printed). */
  file: string;
  /** 1-based. */
  line: number;
  /** History findings: the commit that added the line. */
  commit: string | null;
  /** Set by `--check` for checksum-valid Tollgate keys. */
  liveness?: Liveness;
}

export type Liveness = { status: 'live'; restricted: boolean } | { status: 'dead' } | { status: 'unknown'; reason: string };

/** Findings of one line, carrying its place. Each match is extended in place: a copy would drop its non-enumerable secret. */
export function findingsInLine(text: string, place: { source: FindingSource; file: string; line: number; commit?: string | null }): Finding[] {
  return findKeys(text).map((m) => {
    const finding = m as Finding;
    finding.source = place.source;
    finding.file = place.file;
    finding.line = place.line;
    finding.commit = place.commit ?? null;
    return finding;
  });
}
