import { type SimulationResult, simulateSessionAction } from "@flowgate/application";
import { SandboxOnlyError } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { ErrorInterface, recordErrors } from "./errors.ts";
import { RunRef } from "./run.ts";
import { SessionRef } from "./session.ts";

builder.objectType(SandboxOnlyError, {
  name: "SandboxOnlyError",
  description: "The operation works only with a sandbox key (simulations never touch live sessions).",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof SandboxOnlyError,
  fields: (t) => ({
    operation: t.exposeString("operation", { description: "The operation that was refused." }),
  }),
});

const SimulateSessionActionPayload = builder
  .objectRef<SimulationResult>("SimulateSessionActionPayload")
  .implement({
    description: "What the simulation did to the sandbox session.",
    fields: (t) => ({
      session: t.field({
        type: SessionRef,
        resolve: (p) => p.session,
        description: "The session afterwards.",
      }),
      run: t.field({
        type: RunRef,
        nullable: true,
        resolve: (p) => p.run,
        description: "The run it started (complete_capture) or re-ran from the check, when it did.",
      }),
    }),
  });

builder.mutationFields((t) => ({
  simulateSessionAction: t.field({
    type: SimulateSessionActionPayload,
    description:
      "Sandbox only: `complete_capture` submits the session; `pass_check(<node>)`, `fail_check(<node>)`, `error_check(<node>)` set a check's simulated outcome (re-running a finished run from that check); `expire` expires it. A live key gets SandboxOnlyError.",
    authScopes: { scope: "sessions:write" },
    errors: { types: [...recordErrors, SandboxOnlyError] },
    args: {
      sessionId: t.arg.id({ required: true, description: "Session id (`ses_…`)." }),
      action: t.arg.string({
        required: true,
        description:
          "`complete_capture`, `expire`, or `pass_check(<node>)` / `fail_check(<node>)` / `error_check(<node>)`.",
      }),
      node: t.arg.string({ required: false, description: "The policy node, when not written in `action`." }),
    },
    resolve: (_root, args, context) =>
      simulateSessionAction(context.app, context.actor, {
        sessionId: String(args.sessionId),
        action: args.action,
        node: args.node,
      }),
  }),
}));
