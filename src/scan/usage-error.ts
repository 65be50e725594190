/** A mistake in how the scanner was called (bad path, not a git repository, bad URL): exit code 2, no stack trace. */
export class ScanUsageError extends Error {
  override readonly name = 'ScanUsageError';
}
