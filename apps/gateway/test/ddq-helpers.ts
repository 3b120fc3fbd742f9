import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import type { GraphQLResponse, Harness } from "./harness.ts";

/** An email the test SMTP server accepted, decoded. */
export interface ReceivedEmail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** The magic link found in the text part. */
  link: string | null;
  /** The token of that link. */
  token: string | null;
  /** The Message-ID header. */
  messageId: string;
}

/**
 * A real SMTP server on port 0 (the `smtp-server` package) that keeps what it receives and can refuse
 * recipients on demand: the next `n` messages, or every address a predicate picks.
 */
export class TestSmtpServer {
  readonly received: ReceivedEmail[] = [];
  readonly #server: SMTPServer;
  #port = 0;
  #failNext = 0;
  #rejectWhen: (address: string) => boolean = () => false;
  #gate: Promise<void> | null = null;
  /** Messages received but held by {@link hold}, not yet accepted. */
  waiting = 0;
  #holdWhen: (address: string) => boolean = () => false;
  readonly #held: { address: string; answer: (error?: Error) => void }[] = [];
  /** How many deliveries were refused. */
  refused = 0;

  /** Delay before answering each message's data (none by default), to keep deliveries in flight. */
  delayMs: () => number = () => 0;

  private constructor() {
    this.#server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["AUTH", "STARTTLS"],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        if (this.#holdWhen(address.address)) {
          this.#held.push({ address: address.address, answer: (error) => callback(error ?? null) });
          return;
        }
        if (this.#failNext > 0 || this.#rejectWhen(address.address)) {
          if (this.#failNext > 0) this.#failNext--;
          this.refused++;
          callback(
            Object.assign(new Error("Mailbox unavailable (test server refused it)"), { responseCode: 550 }),
          );
          return;
        }
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", async () => {
          if (this.#gate) {
            this.waiting++;
            await this.#gate;
            this.waiting--;
          }
          const raw = Buffer.concat(chunks).toString("utf8");
          const accept = () => {
            // Accepted: kept, and "250 OK" goes back to the client (which may be gone by now).
            this.received.push(
              decodeEmail(
                raw,
                session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
                session.envelope.rcptTo.map((r) => r.address),
              ),
            );
            callback();
          };
          const delay = this.delayMs();
          if (delay > 0) setTimeout(accept, delay);
          else accept();
        });
      },
    });
  }

  /** Connections that broke (a client killed mid-session resets its socket). */
  connectionErrors = 0;

  /** Starts a server on a free port. */
  static async start(): Promise<TestSmtpServer> {
    const smtp = new TestSmtpServer();
    smtp.#server.on("error", () => {
      smtp.connectionErrors++;
    });
    await new Promise<void>((resolve) => smtp.#server.listen(0, "127.0.0.1", resolve));
    smtp.#port = (smtp.#server.server.address() as AddressInfo).port;
    return smtp;
  }

  /** `smtp://127.0.0.1:<port>`, for `SmtpEmailSender`. */
  get url(): string {
    return `smtp://127.0.0.1:${this.#port}`;
  }

  /** Refuses the next `count` messages. */
  failNext(count = 1): void {
    this.#failNext = count;
  }

  /** Refuses every recipient the predicate picks (replaces the previous predicate). */
  rejectWhen(predicate: (address: string) => boolean): void {
    this.#rejectWhen = predicate;
  }

  /** Keeps every recipient the predicate picks waiting (no answer) until {@link releaseHeld}. */
  holdWhen(predicate: (address: string) => boolean): void {
    this.#holdWhen = predicate;
  }

  /** The recipients waiting for an answer. */
  get held(): string[] {
    return this.#held.map((entry) => entry.address);
  }

  /** Answers the waiting recipients: refused (550) with `refuse`, else accepted; holds nothing more. */
  releaseHeld(options: { refuse?: boolean } = {}): void {
    this.#holdWhen = () => false;
    for (const entry of this.#held.splice(0)) {
      if (options.refuse) {
        this.refused++;
        entry.answer(
          Object.assign(new Error("Mailbox unavailable (test server refused it)"), { responseCode: 550 }),
        );
      } else {
        entry.answer();
      }
    }
  }

  /** Accepts everything again. */
  /** Holds every message's acceptance until the returned function is called (a slow mail server). */
  hold(): () => void {
    let release = () => {};
    this.#gate = new Promise<void>((resolve) => {
      release = () => {
        this.#gate = null;
        resolve();
      };
    });
    return release;
  }

  acceptAll(): void {
    this.#failNext = 0;
    this.#rejectWhen = () => false;
    this.#holdWhen = () => false;
  }

  /** The messages received for `address`. */
  to(address: string): ReceivedEmail[] {
    return this.received.filter((email) => email.to.includes(address));
  }

  /** The one message received for `address` (fails the test otherwise). */
  only(address: string): ReceivedEmail {
    const messages = this.to(address);
    if (messages.length !== 1) throw new Error(`expected 1 email to ${address}, got ${messages.length}`);
    return messages[0]!;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Decodes a MIME message: headers, then multipart bodies with 7bit, quoted-printable or base64 parts. */
function decodeEmail(raw: string, from: string, to: string[]): ReceivedEmail {
  const parts: { type: string; body: string }[] = [];
  const walk = (entity: string) => {
    const { headers, body } = splitEntity(entity);
    const contentType = headers["content-type"] ?? "text/plain";
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
    if (contentType.toLowerCase().startsWith("multipart/") && boundary) {
      for (const part of body.split(`--${boundary}`).slice(1)) {
        if (part.startsWith("--")) break;
        walk(part.replace(/^\r?\n/, ""));
      }
      return;
    }
    const encoding = (headers["content-transfer-encoding"] ?? "7bit").toLowerCase();
    parts.push({ type: contentType.split(";")[0]!.trim().toLowerCase(), body: decodeBody(body, encoding) });
  };
  walk(raw);
  const { headers } = splitEntity(raw);
  const text = parts.find((p) => p.type === "text/plain")?.body ?? "";
  const html = parts.find((p) => p.type === "text/html")?.body ?? "";
  const link = /https?:\/\/\S+\/recipient\?token=[A-Za-z0-9_%.~-]+/.exec(text)?.[0] ?? null;
  const token = link ? decodeURIComponent(new URL(link).searchParams.get("token") ?? "") : null;
  return {
    from,
    to,
    subject: headers.subject ?? "",
    text,
    html,
    link,
    token,
    messageId: headers["message-id"] ?? "",
  };
}

function splitEntity(entity: string): { headers: Record<string, string>; body: string } {
  const separator = /\r?\n\r?\n/.exec(entity);
  const head = separator ? entity.slice(0, separator.index) : entity;
  const body = separator ? entity.slice(separator.index + separator[0].length) : "";
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function decodeBody(body: string, encoding: string): string {
  if (encoding === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (encoding === "quoted-printable") {
    const bytes = body
      .replace(/=\r?\n/g, "")
      .replace(/=([0-9A-F]{2})/gi, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    return Buffer.from(bytes, "latin1").toString("utf8");
  }
  return body;
}

/** POSTs an operation to the recipient endpoint with a link token (as a Bearer token or `X-Link-Token`). */
export async function recipientGql<T = any>(
  h: Harness,
  token: string | null,
  query: string,
  variables?: Record<string, unknown>,
  header: "bearer" | "x-link-token" = "bearer",
): Promise<GraphQLResponse<T>> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token && header === "bearer") headers.authorization = `Bearer ${token}`;
  if (token && header === "x-link-token") headers["x-link-token"] = token;
  const response = await fetch(h.server.url.replace(/\/graphql$/, "/recipient/graphql"), {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/** A two-section questionnaire with every question type, a required flag and conditional visibility. */
export const kycQuestionnaire = [
  {
    id: "company",
    title: "About the company",
    questions: [
      { id: "legal_name", type: "text", label: "Legal name", required: true, entityField: "legalName" },
      { id: "country", type: "text", label: "Country of incorporation", entityField: "jurisdiction" },
      { id: "description", type: "long_text", label: "What does the company do?" },
      { id: "founded", type: "date", label: "Date of incorporation" },
      { id: "employees", type: "number", label: "Number of employees" },
    ],
  },
  {
    id: "compliance",
    title: "Compliance",
    questions: [
      { id: "regulated", type: "yes_no", label: "Is the company regulated?", required: true },
      {
        id: "regulator",
        type: "single_choice",
        label: "Regulator",
        required: true,
        options: [
          { value: "fca", label: "FCA" },
          { value: "sec", label: "SEC" },
          { value: "other", label: "Other" },
        ],
        visibleIf: { questionId: "regulated", operator: "equals", value: true },
      },
      {
        id: "products",
        type: "multiple_choice",
        label: "Products",
        options: [
          { value: "payments", label: "Payments" },
          { value: "lending", label: "Lending" },
          { value: "custody", label: "Custody" },
        ],
      },
      { id: "licence", type: "file_reference", label: "Licence document" },
    ],
  },
];

/** A complete, valid set of answers to {@link kycQuestionnaire}. */
export const kycAnswers = [
  { questionId: "legal_name", value: "Acme Trading Ltd" },
  { questionId: "regulated", value: true },
  { questionId: "regulator", value: "fca" },
  { questionId: "products", value: ["payments", "custody"] },
  { questionId: "employees", value: 42 },
  { questionId: "founded", value: "2015-06-30" },
];

export const CREATE_QUESTIONNAIRE = /* GraphQL */ `
  mutation ($name: String!, $sections: [QuestionnaireSectionInput!]!, $description: String) {
    createQuestionnaire(name: $name, sections: $sections, description: $description) {
      __typename
      ... on Questionnaire { id name currentVersion }
      ... on ValidationError { message issues { path message } }
    }
  }
`;

export const WORKFLOW_RESPONSE_FIELDS = /* GraphQL */ `
  workflowSessionId status emailSent entityId entityName responseId verificationSessionId steps expiresAt creditsCharged
`;

export const SEND_WORKFLOW = /* GraphQL */ `
  mutation (
    $entityId: ID
    $entity: SendEntityInput
    $ddq: SendDdqInput
    $verification: SendVerificationInput
    $email: String
    $expiryHours: Int
  ) {
    sendWorkflow(
      entityId: $entityId
      entity: $entity
      ddq: $ddq
      verification: $verification
      email: $email
      expiryHours: $expiryHours
    ) {
      __typename
      ... on WorkflowResponse { ${WORKFLOW_RESPONSE_FIELDS} }
      ... on ValidationError { message issues { path message } }
      ... on NotFoundError { message resource id }
      ... on ConflictError { message currentStatus }
      ... on InsufficientCreditsError { message required available balance reservedCredits shortfall retryable }
      ... on EmailHourlyCapError { message cap retryAfterSeconds }
      ... on EmailDeliveryError { message retryable entityId responseId reason }
    }
  }
`;

export const SEND_RESPONSE = /* GraphQL */ `
  mutation ($responseId: ID!, $email: String, $expiryHours: Int) {
    sendResponse(responseId: $responseId, email: $email, expiryHours: $expiryHours) {
      __typename
      ... on WorkflowResponse { ${WORKFLOW_RESPONSE_FIELDS} }
      ... on ValidationError { message issues { path message } }
      ... on NotFoundError { message resource id }
      ... on ConflictError { message currentStatus }
      ... on InsufficientCreditsError { message required available balance reservedCredits shortfall retryable }
      ... on EmailHourlyCapError { message cap retryAfterSeconds }
      ... on EmailDeliveryError { message retryable entityId responseId reason }
    }
  }
`;

export const RESPONSE = /* GraphQL */ `
  query ($id: ID!) {
    response(id: $id) {
      id name status entityId questionnaireId questionnaireVersion workflowSessionId runId submittedAt sentAt
      aiAnalysis
      pendingVerification { document identity enhancedIdentity proofOfAddress }
      answers { questionId value source { kind provider deterministic field responseId questionId note } }
      events { type fromStatus toStatus actor data createdAt }
    }
  }
`;

export const SAVE_RESPONSE = /* GraphQL */ `
  mutation ($responseId: ID!, $answers: [AnswerInput!]!) {
    saveResponse(responseId: $responseId, answers: $answers) {
      __typename
      ... on Response { id status answers { questionId value source { kind } } }
      ... on ValidationError { message issues { path message } }
      ... on ConflictError { message currentStatus }
      ... on NotFoundError { message }
    }
  }
`;

export const CREDIT_BALANCE = /* GraphQL */ `{ creditBalance { balance reserved available environment } }`;

export const GRANT_CREDITS = /* GraphQL */ `
  mutation ($amount: Int!, $note: String, $idempotencyKey: String) {
    grantCredits(amount: $amount, note: $note, idempotencyKey: $idempotencyKey) {
      __typename
      ... on CreditLedgerEntry { id kind amount balanceAfter note }
      ... on ValidationError { issues { path message } }
      ... on ConflictError { message }
    }
  }
`;

/** Creates the KYC questionnaire with `key` and returns its id. */
export async function createKycQuestionnaire(
  h: Harness,
  key: string,
  name = "Supplier DDQ",
): Promise<string> {
  const created = await h.gql(key, CREATE_QUESTIONNAIRE, { name, sections: kycQuestionnaire });
  if (created.data?.createQuestionnaire?.__typename !== "Questionnaire") {
    throw new Error(`createQuestionnaire failed: ${JSON.stringify(created)}`);
  }
  return created.data.createQuestionnaire.id as string;
}
