import { useId, type ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { credential } from '../api/credential';
import { useProject } from '../lib/project';
import { useTheme, type Theme } from '../lib/theme';
import { useQueryClient } from '@tanstack/react-query';

const NAV: { href: string; label: string }[] = [
  { href: '/api-keys', label: 'API keys' },
  { href: '/usage', label: 'Usage' },
  { href: '/limits', label: 'Limits' },
  { href: '/billing', label: 'Billing' },
  { href: '/projects', label: 'Projects' },
  { href: '/calculator', label: 'Cost calculator' },
  { href: '/audit-log', label: 'Audit log' },
];

function ProjectSwitcher() {
  const { projects, current, select } = useProject();
  const id = useId();
  if (projects.length === 0) return null;
  return (
    <div className="switcher">
      <label htmlFor={id}>Project</label>
      <select id={id} value={current?.id ?? ''} onChange={(e) => select(e.target.value)}>
        {projects.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
            {p.status === 'archived' ? ' (archived)' : ''}
          </option>
        ))}
      </select>
    </div>
  );
}

function ThemeSwitcher() {
  const [theme, setTheme] = useTheme();
  const id = useId();
  return (
    <div className="switcher">
      <label htmlFor={id}>Theme</label>
      <select id={id} value={theme} onChange={(e) => setTheme(e.target.value as Theme)}>
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </div>
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const [location] = useLocation();
  const queries = useQueryClient();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/api-keys" className="brand">
          Tollgate
        </Link>
        <div className="topbar-controls">
          <ProjectSwitcher />
          <ThemeSwitcher />
          <button
            type="button"
            className="button ghost"
            onClick={() => {
              credential.expire();
              queries.clear();
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <nav className="sidenav" aria-label="Dashboard">
        <ul>
          {NAV.map((item) => (
            <li key={item.href}>
              <Link href={item.href} aria-current={location.startsWith(item.href) ? 'page' : undefined}>
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
