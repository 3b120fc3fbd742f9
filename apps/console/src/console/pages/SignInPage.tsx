import { FlowgateClient, isGraphQLRequestError } from "@flowgate/client";
import { type FormEvent, useState } from "react";
import { CheckKey } from "../api.ts";

/** Sign-in with an API key: checked against the gateway, then kept in session storage by the caller. */
export function SignInPage({ onSignedIn }: { onSignedIn(key: string): void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const value = key.trim();
    if (!value) {
      setError("Enter an API key.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await new FlowgateClient({ url: "/graphql", apiKey: value }).request(CheckKey);
      onSignedIn(value);
    } catch (caught) {
      setError(isGraphQLRequestError(caught) ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin">
      <form className="panel" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Flowgate console</h1>
        <p className="muted">
          Sign in with an API key (<code>fg_sandbox_…</code> or <code>fg_live_…</code>). It stays in this tab
          only.
        </p>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          value={key}
          onChange={(event) => setKey(event.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "signin-error" : undefined}
        />
        {error ? (
          <p className="error" id="signin-error" role="alert">
            {error}
          </p>
        ) : null}
        <p>
          <button type="submit" disabled={busy}>
            {busy ? "Checking…" : "Sign in"}
          </button>
        </p>
      </form>
    </main>
  );
}
