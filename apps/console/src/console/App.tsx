import { useState } from "react";
import { Link, Redirect, Route, Switch, useLocation } from "wouter";
import { keyEnvironment, storeApiKey, storedApiKey } from "./api.ts";
import { CreditsPage } from "./pages/CreditsPage.tsx";
import { DraftEditorPage } from "./pages/DraftEditorPage.tsx";
import { KeysPage } from "./pages/KeysPage.tsx";
import { QuestionnairesPage } from "./pages/QuestionnairesPage.tsx";
import { ResponsePage } from "./pages/ResponsePage.tsx";
import { ResponsesPage } from "./pages/ResponsesPage.tsx";
import { SessionPage } from "./pages/SessionPage.tsx";
import { SessionsPage } from "./pages/SessionsPage.tsx";
import { SignInPage } from "./pages/SignInPage.tsx";
import { WebhookEndpointPage } from "./pages/WebhookEndpointPage.tsx";
import { WebhooksPage } from "./pages/WebhooksPage.tsx";
import { WorkflowPage } from "./pages/WorkflowPage.tsx";
import { WorkflowsPage } from "./pages/WorkflowsPage.tsx";

const sections = [
  { href: "/workflows", label: "Workflows" },
  { href: "/sessions", label: "Sessions" },
  { href: "/questionnaires", label: "Questionnaires" },
  { href: "/responses", label: "Responses" },
  { href: "/credits", label: "Credits" },
  { href: "/webhooks", label: "Webhooks" },
  { href: "/keys", label: "Keys & workspaces" },
];

/** The console: sign-in with an API key (kept in session storage), then the sections. */
export function App() {
  const [key, setKey] = useState(storedApiKey);
  const [location] = useLocation();
  if (!key) {
    return (
      <SignInPage
        onSignedIn={(value) => {
          storeApiKey(value);
          setKey(value);
        }}
      />
    );
  }
  const environment = keyEnvironment(key);
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/workflows" className="brand">
          Flowgate
        </Link>
        <nav aria-label="Sections" className="sections">
          {sections.map((section) => (
            <Link
              key={section.href}
              href={section.href}
              aria-current={location.startsWith(section.href) ? "page" : undefined}
            >
              {section.label}
            </Link>
          ))}
        </nav>
        <div className="account">
          {environment ? (
            <span className={`badge ${environment === "live" ? "bad" : "warn"}`}>{environment}</span>
          ) : null}
          <span className="muted small key-prefix">{key.slice(0, 16)}…</span>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              storeApiKey(null);
              setKey(null);
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Switch>
          <Route path="/">
            <Redirect to="/workflows" />
          </Route>
          <Route path="/workflows" component={WorkflowsPage} />
          <Route path="/workflows/:id/draft">{(params) => <DraftEditorPage workflowId={params.id} />}</Route>
          <Route path="/workflows/:id">{(params) => <WorkflowPage workflowId={params.id} />}</Route>
          <Route path="/sessions" component={SessionsPage} />
          <Route path="/sessions/:id">{(params) => <SessionPage sessionId={params.id} />}</Route>
          <Route path="/questionnaires" component={QuestionnairesPage} />
          <Route path="/responses" component={ResponsesPage} />
          <Route path="/responses/:id">{(params) => <ResponsePage responseId={params.id} />}</Route>
          <Route path="/credits" component={CreditsPage} />
          <Route path="/webhooks" component={WebhooksPage} />
          <Route path="/webhooks/:id">{(params) => <WebhookEndpointPage endpointId={params.id} />}</Route>
          <Route path="/keys" component={KeysPage} />
          <Route>
            <h1>Not found</h1>
            <p>
              There is no page at <code>{location}</code>. <Link href="/workflows">Go to the workflows</Link>.
            </p>
          </Route>
        </Switch>
      </main>
    </div>
  );
}
