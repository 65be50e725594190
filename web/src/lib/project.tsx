import { useQuery } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, unwrap } from '../api/client';
import type { Project } from '../api/types';

/** The project the pages work on, chosen in the header's switcher and remembered on this browser. */
interface ProjectContext {
  projects: Project[];
  current: Project | null;
  select(id: string): void;
  loading: boolean;
}

const Context = createContext<ProjectContext>({ projects: [], current: null, select: () => {}, loading: true });
const REMEMBERED = 'tollgate.project';

export function useProjects(): { data: Project[] | undefined; isLoading: boolean; error: unknown } {
  return useQuery({ queryKey: ['projects'], queryFn: () => unwrap(api.GET('/v1/organization/projects', { params: { query: { limit: 100 } } })).then((p) => p.data) });
}

export function ProjectProvider({ children }: { children: ReactNode }) {
  const { data, isLoading } = useProjects();
  const [selected, setSelected] = useState<string | null>(() => localStorage.getItem(REMEMBERED));
  const projects = data ?? [];
  const current = projects.find((p) => p.id === selected) ?? projects[0] ?? null;
  useEffect(() => {
    if (current) localStorage.setItem(REMEMBERED, current.id);
  }, [current]);
  return <Context.Provider value={{ projects, current, select: setSelected, loading: isLoading }}>{children}</Context.Provider>;
}

export const useProject = (): ProjectContext => useContext(Context);
