import { lazy, Suspense, useSyncExternalStore } from 'react';
import { Redirect, Route, Switch } from 'wouter';
import { credential } from './api/credential';
import { Shell } from './components/shell';
import { ProjectProvider } from './lib/project';
import { AuditPage } from './pages/audit/audit-page';
import { BillingPage } from './pages/billing/billing-page';
import { CalculatorPage } from './pages/calculator/calculator-page';
import { KeysPage } from './pages/keys/keys-page';
import { LimitsPage } from './pages/limits/limits-page';
import { ProjectsPage } from './pages/projects/projects-page';
import { SignInPage } from './pages/sign-in/sign-in-page';
import { Loading } from './components/ui';

// The charts library is the largest part of the app: loaded with the first page that draws one.
const UsagePage = lazy(() => import('./pages/usage/usage-page').then((m) => ({ default: m.UsagePage })));

export function App() {
  const signedIn = useSyncExternalStore(credential.subscribe, () => credential.get() !== null);
  if (!signedIn) return <SignInPage />;
  return (
    <ProjectProvider>
      <Shell>
        <Suspense fallback={<Loading what="the page" />}>
        <Switch>
          <Route path="/api-keys" component={KeysPage} />
          <Route path="/usage" component={UsagePage} />
          <Route path="/limits" component={LimitsPage} />
          <Route path="/billing" component={BillingPage} />
          <Route path="/projects" component={ProjectsPage} />
          <Route path="/calculator" component={CalculatorPage} />
          <Route path="/audit-log" component={AuditPage} />
          <Route>
            <Redirect to="/api-keys" replace />
          </Route>
        </Switch>
        </Suspense>
      </Shell>
    </ProjectProvider>
  );
}
