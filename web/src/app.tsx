import { lazy, Suspense } from 'react';
import { Redirect, Route, Switch, useLocation } from 'wouter';
import { Shell } from './components/shell';
import { Loading } from './components/ui';
import { SessionProvider, useMe, useSession, useSignOut } from './lib/session';
import { ProjectProvider } from './lib/project';
import { AuditPage } from './pages/audit/audit-page';
import { CreateOrganizationPage } from './pages/auth/create-organization-page';
import { ForgotPasswordPage } from './pages/auth/forgot-password-page';
import { InvitePage } from './pages/auth/invite-page';
import { ResetPasswordPage } from './pages/auth/reset-password-page';
import { SetupPage } from './pages/auth/setup-page';
import { SignInPage } from './pages/auth/sign-in-page';
import { SignUpPage } from './pages/auth/sign-up-page';
import { VerifyEmailPage } from './pages/auth/verify-email-page';
import { BillingPage } from './pages/billing/billing-page';
import { CalculatorPage } from './pages/calculator/calculator-page';
import { KeysPage } from './pages/keys/keys-page';
import { LimitsPage } from './pages/limits/limits-page';
import { MembersPage } from './pages/members/members-page';
import { OperatorPage } from './pages/operator/operator-page';
import { ProjectsPage } from './pages/projects/projects-page';

// The charts library is the largest part of the app: loaded with the first page that draws one.
const UsagePage = lazy(() => import('./pages/usage/usage-page').then((m) => ({ default: m.UsagePage })));

/** Pages a link from an email opens, signed in or not: each uses its token once. */
function LinkPages() {
  return (
    <Switch>
      <Route path="/verify-email" component={VerifyEmailPage} />
      <Route path="/reset-password" component={ResetPasswordPage} />
      <Route path="/setup" component={SetupPage} />
      <Route path="/invite" component={InvitePage} />
    </Switch>
  );
}

const LINK_PAGES = ['/verify-email', '/reset-password', '/setup', '/invite'];

function SignedOut() {
  return (
    <Switch>
      <Route path="/sign-up" component={SignUpPage} />
      <Route path="/forgot-password" component={ForgotPasswordPage} />
      <Route component={SignInPage} />
    </Switch>
  );
}

export function App() {
  const { me, loading } = useMe();
  const signOut = useSignOut();
  const [location] = useLocation();
  if (LINK_PAGES.includes(location)) return <LinkPages />;
  if (loading) return <main id="main" className="auth"><Loading what="Tollgate" /></main>;
  if (!me) return <SignedOut />;
  if (me.organizations.length === 0) return <CreateOrganizationPage onSignOut={signOut} />;
  return (
    <SessionProvider me={me}>
      <SignedIn />
    </SessionProvider>
  );
}

function SignedIn() {
  const { organization } = useSession();
  // Another organization: every page starts afresh (its projects, keys and usage are others).
  return (
    <ProjectProvider key={organization?.id}>
      <Shell>
        <Suspense fallback={<Loading what="the page" />}>
          <Switch>
            <Route path="/api-keys" component={KeysPage} />
            <Route path="/usage" component={UsagePage} />
            <Route path="/limits" component={LimitsPage} />
            <Route path="/billing" component={BillingPage} />
            <Route path="/projects" component={ProjectsPage} />
            <Route path="/members" component={MembersPage} />
            <Route path="/calculator" component={CalculatorPage} />
            <Route path="/audit-log" component={AuditPage} />
            <Route path="/operator" component={OperatorPage} />
            <Route>
              <Redirect to="/api-keys" replace />
            </Route>
          </Switch>
        </Suspense>
      </Shell>
    </ProjectProvider>
  );
}
