import { type ReactNode, useState } from "react";

/**
 * A secret shown once (a webhook signing secret, an API key): the value, a button that copies it, and a
 * button that hides it for good. The value is selectable too, for browsers without clipboard access.
 */
export function SecretOnce({
  label,
  secret,
  onDismiss,
  children,
}: {
  label: string;
  secret: string;
  onDismiss(): void;
  children?: ReactNode;
}) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("yes");
    } catch {
      setCopied("no");
    }
  }
  return (
    <div className="notice" role="status" data-testid="secret-once">
      <p>
        <strong>{label}</strong>: shown once, store it now (it is never shown again).
      </p>
      <div className="secret-box">
        <code data-testid="secret-value">{secret}</code>
        <button type="button" onClick={copy}>
          Copy
        </button>
        <button type="button" className="secondary" onClick={onDismiss}>
          I stored it
        </button>
      </div>
      {copied === "yes" ? <p className="small">Copied to the clipboard.</p> : null}
      {copied === "no" ? (
        <p className="small">The browser refused the clipboard: select the text and copy it.</p>
      ) : null}
      {children ? <p className="small">{children}</p> : null}
    </div>
  );
}
