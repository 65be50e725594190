import { useMutation } from '@tanstack/react-query';
import { useId, type ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { account } from '../api/account';
import { useProject } from '../lib/project';
import { useSession, useSignOut } from '../lib/session';
import { useTheme, type Theme } from '../lib/theme';
import { Button } from './ui';

interface NavItem {
  href: string;
  label: string;
  /** Shown to Owners (and the operator) only. */
  owner?: boolean;
  operator?: boolean;
}

const NAV: NavItem[] = [
  { href: '/api-keys', label: 'API keys' },
  { href: '/usage', label: 'Usage' },
  { href: '/limits', label: 'Limits' },
  { href: '/billing', label: 'Billing' },
  { href: '/projects', label: 'Projects' },
  { href: '/members', label: 'Members' },
  { href: '/calculator', label: 'Cost calculator' },
  { href: '/audit-log', label: 'Audit log', owner: true },
  { href: '/operator', label: 'Operator', operator: true },
];

function OrganizationSwitcher() {
  const { me, organization, selectOrganization } = useSession();
  const id = useId();
  if (me.organizations.length < 2) return organization ? <span className="switcher org-name">{organization.name}</span> : null;
  return (
    <div className="switcher">
      <label htmlFor={id}>Organization</label>
      <select id={id} value={organization?.id ?? ''} onChange={(e) => selectOrganization(e.target.value)}>
        {me.organizations.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
    </div>
  );
}

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

/** Until the address is verified, keys cannot be made (when the server asks for it): say so, with a way to get a new link. */
function VerifyBanner() {
  const { me } = useSession();
  const resend = useMutation({ mutationFn: account.resendVerification });
  if (me.email_verified) return null;
  return (
    <div className="banner" role="region" aria-label="Verify your email address">
      <p>
        Verify your email address: open the link we sent to <strong>{me.email}</strong>.{me.key_requirements.verified_email ? ' You need it before you can create API keys.' : ''}
      </p>
      <Button onClick={() => resend.mutate()} disabled={resend.isPending || resend.isSuccess}>
        {resend.isSuccess ? 'Link sent' : 'Send a new link'}
      </Button>
    </div>
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const [location] = useLocation();
  const { me, isOwner } = useSession();
  const signOut = useSignOut();
  const nav = NAV.filter((item) => (!item.owner || isOwner) && (!item.operator || me.operator));
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
          <OrganizationSwitcher />
          <ProjectSwitcher />
          <ThemeSwitcher />
          <span className="muted account-email">{me.email}</span>
          <Button variant="ghost" onClick={signOut}>
            Sign out
          </Button>
        </div>
      </header>
      <nav className="sidenav" aria-label="Dashboard">
        <ul>
          {nav.map((item) => (
            <li key={item.href}>
              <Link href={item.href} aria-current={location.startsWith(item.href) ? 'page' : undefined}>
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <VerifyBanner />
        {children}
      </main>
    </div>
  );
}
