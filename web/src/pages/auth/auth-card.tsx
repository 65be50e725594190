import type { FormEvent, ReactNode } from 'react';
import { Link } from 'wouter';

/** The frame of the pages before sign-in: one centred card with a heading, usually a form. */
export function AuthCard({ title, children, onSubmit, footer }: { title: string; children: ReactNode; onSubmit?(event: FormEvent): void; footer?: ReactNode }) {
  const body = (
    <>
      <p className="brand">Tollgate</p>
      <h1>{title}</h1>
      {children}
    </>
  );
  return (
    <main id="main" className="auth">
      <div className="auth-card">
        {onSubmit ? (
          <form className="form" onSubmit={onSubmit} aria-label={title}>
            {body}
          </form>
        ) : (
          <div className="form">{body}</div>
        )}
        {footer ? <div className="auth-footer">{footer}</div> : null}
      </div>
    </main>
  );
}

export function AuthLink({ href, children }: { href: string; children: ReactNode }) {
  return <Link href={href}>{children}</Link>;
}

/** The token of a link from an email (`?token=...`). */
export function tokenFromLink(): string {
  return new URLSearchParams(window.location.search).get('token') ?? '';
}
