import { z } from "zod";

/** Pattern of a node id: a letter, then up to 63 letters, digits, `_` or `-`. */
export const nodeIdPattern = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Pattern of a custom terminal outcome label. */
export const outcomeLabelPattern = /^[a-z][a-z0-9_]{0,63}$/;

/** Largest number of nodes a graph may have. */
export const maxGraphNodes = 500;

/** Largest number of retries a policy node may ask for. */
export const maxPolicyRetries = 4;

/** Outcomes of a policy check; each selects one of the node's routes. */
export const policyOutcomes = ["pass", "fail", "error"] as const;

/** Outcome of a policy check. `error` means the check could not complete (after its retries). */
export type PolicyOutcome = (typeof policyOutcomes)[number];

/** Operators a conditional node's conditions can use. */
export const conditionOperators = [
  ">=",
  "<=",
  ">",
  "<",
  "==",
  "!=",
  "in",
  "not_in",
  "contains",
  "exists",
] as const;

/** Operator of one condition. */
export type ConditionOperator = (typeof conditionOperators)[number];

/** Schema of a node id. */
export const nodeIdSchema = z
  .string()
  .regex(
    nodeIdPattern,
    'must start with a letter and contain only letters, digits, "_" and "-" (at most 64)',
  );

/** Schema of a reference to another node; whether it exists is checked by `validateGraph`. */
const nodeRefSchema = z.string().min(1);

const jsonObjectSchema = z.record(z.string(), z.unknown());

/** Fields every node has. */
const nodeBaseShape = {
  id: nodeIdSchema,
  name: z.string().optional(),
  description: z.string().optional(),
};

/** Schema of the `start` node: where every run begins. */
export const startNodeSchema = z.object({
  ...nodeBaseShape,
  type: z.literal("start"),
  next: nodeRefSchema,
});

const retriesMessage = `must be a whole number from 0 to ${maxPolicyRetries}`;

/** Schema of a `policy` node: runs a verification check from the policy catalog. */
export const policyNodeSchema = z.object({
  ...nodeBaseShape,
  type: z.literal("policy"),
  policy: z.string().min(1),
  retries: z
    .number({ error: retriesMessage })
    .int(retriesMessage)
    .min(0, retriesMessage)
    .max(maxPolicyRetries, retriesMessage)
    .default(0),
  timeout_ms: z.number().int().positive().optional(),
  config: jsonObjectSchema.optional(),
  simulate: z
    .object({
      outcome: z.enum(policyOutcomes),
      output: jsonObjectSchema.optional(),
      /** Sandbox only: how long the simulated check takes, in ms (for testing timeouts and load). */
      delay_ms: z.number().int().min(0).max(60_000).optional(),
    })
    .optional(),
  routes: z.object({
    pass: nodeRefSchema,
    fail: nodeRefSchema,
    error: nodeRefSchema.optional(),
  }),
});

/** Schema of one condition of a conditional node. */
export const conditionSchema = z.object({
  field: z.string().min(1),
  operator: z.enum(conditionOperators),
  value: z.unknown().optional(),
  next: nodeRefSchema,
});

/** Schema of a `conditional` node: ordered conditions, first match wins, `default` otherwise. */
export const conditionalNodeSchema = z.object({
  ...nodeBaseShape,
  type: z.literal("conditional"),
  conditions: z.array(conditionSchema),
  default: nodeRefSchema,
});

/** Actions a wait node's `on_fail` can take. */
export const waitFailActions = ["review", "reject", "jump"] as const;

/** Schema of what a `fail` decision does at a wait node. */
export const waitFailActionSchema = z.discriminatedUnion(
  "action",
  [
    z.object({ action: z.literal("review") }),
    z.object({ action: z.literal("reject") }),
    z.object({ action: z.literal("jump"), to: nodeRefSchema }),
  ],
  {
    error: (issue) =>
      issue.code === "invalid_union" ? `must be one of ${waitFailActions.join(", ")}` : "must be an object",
  },
);

/** Schema of a `wait` node: an external gate that pauses the run until a decision (or its timeout). */
export const waitNodeSchema = z
  .object({
    ...nodeBaseShape,
    type: z.literal("wait"),
    on_continue: nodeRefSchema,
    on_fail: waitFailActionSchema.default({ action: "review" }),
    timeout_seconds: z.number().int().positive().optional(),
    on_timeout: nodeRefSchema.optional(),
  })
  .superRefine((node, ctx) => {
    if (node.timeout_seconds !== undefined && node.on_timeout === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["on_timeout"],
        message: "is required when timeout_seconds is set",
      });
    }
    if (node.on_timeout !== undefined && node.timeout_seconds === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["timeout_seconds"],
        message: "is required when on_timeout is set",
      });
    }
  });

/** Schema of a `terminal` node: ends the run with its `outcome`. */
export const terminalNodeSchema = z.object({
  ...nodeBaseShape,
  type: z.literal("terminal"),
  outcome: z
    .string()
    .regex(
      outcomeLabelPattern,
      'must be approved, rejected, needs_review or a label of lower-case letters, digits and "_"',
    ),
});

/** Largest `timeout_ms` of an http task handler (2 minutes). */
export const maxTaskTimeoutMs = 120_000;

/** `timeout_ms` of an http task handler that does not set one (10 seconds). */
export const defaultTaskTimeoutMs = 10_000;

/** Largest `cost_cents` of one task node execution. */
export const maxTaskCostCents = 1_000_000;

/** Handler types a `task` node can use. */
export const taskHandlerTypes = ["http", "template", "echo"] as const;

/** Outcomes of a task; each selects one of the node's routes. */
export const taskOutcomes = ["success", "error"] as const;

/** Outcome of a task. `error` means it could not complete (after its retries). */
export type TaskOutcome = (typeof taskOutcomes)[number];

/**
 * Schema of a task node's `handler`: `http` POSTs the node input as JSON to `url` and takes the response
 * JSON as output; `template` builds its output from `{{ … }}` expressions; `echo` outputs its input.
 */
export const taskHandlerSchema = z.discriminatedUnion(
  "type",
  [
    z.object({
      type: z.literal("http"),
      url: z.string().min(1).max(2048),
      timeout_ms: z.number().int().min(1).max(maxTaskTimeoutMs).default(defaultTaskTimeoutMs),
    }),
    z.object({ type: z.literal("template"), output: jsonObjectSchema }),
    z.object({ type: z.literal("echo") }),
  ],
  {
    error: (issue) => {
      if (issue.code !== "invalid_union") return "must be an object";
      const type = (issue.input as { type?: unknown } | undefined)?.type;
      const known = taskHandlerTypes.join(", ");
      return type === undefined
        ? `is required (one of ${known})`
        : `must be one of ${known} (got ${JSON.stringify(type)})`;
    },
  },
);

/**
 * Schema of a `task` node (a workspace task): runs its handler on an input mapped from the trigger
 * payload and earlier outputs, costs `cost_cents` per execution, and routes on `success` / `error`
 * (without an `error` route an error fails the run).
 */
export const taskNodeSchema = z.object({
  ...nodeBaseShape,
  type: z.literal("task"),
  handler: taskHandlerSchema,
  input: z.record(z.string().min(1), z.string()).optional(),
  cost_cents: z.number().int().min(0).max(maxTaskCostCents).default(0),
  /** What a dry run pretends an http handler returned (it never calls the URL); success with `{}` by default. */
  simulate: z
    .object({
      outcome: z.enum(taskOutcomes),
      output: jsonObjectSchema.optional(),
    })
    .optional(),
  retries: z
    .number({ error: retriesMessage })
    .int(retriesMessage)
    .min(0, retriesMessage)
    .max(maxPolicyRetries, retriesMessage)
    .default(0),
  routes: z.object({
    success: nodeRefSchema,
    error: nodeRefSchema.optional(),
  }),
});

/** Pattern of a questionnaire id as a questionnaire node writes it. */
export const questionnaireIdPattern = /^qnr_[A-Za-z0-9]{1,64}$/;

/**
 * Schema of a `questionnaire` node: the run pauses until a DDQ response of `questionnaire` that is linked
 * to the run is submitted (route `submitted`), or its magic link expires or is revoked first (`expired`).
 */
export const questionnaireNodeSchema = z.object({
  ...nodeBaseShape,
  type: z.literal("questionnaire"),
  questionnaire: z.string().regex(questionnaireIdPattern, 'must be a questionnaire id ("qnr_…")'),
  routes: z.object({
    submitted: nodeRefSchema,
    expired: nodeRefSchema,
  }),
});

/**
 * Every node schema. Adding a node type is one line here (plus its schema); the compiler then points at
 * every exhaustive `switch` that must handle it.
 */
const graphNodeSchemas = [
  startNodeSchema,
  policyNodeSchema,
  conditionalNodeSchema,
  waitNodeSchema,
  terminalNodeSchema,
  taskNodeSchema,
  questionnaireNodeSchema,
] as const;

/** Type of a graph node (`"start"`, `"policy"`, …). */
export type NodeType = z.output<(typeof graphNodeSchemas)[number]>["type"];

/** Every node type, in declaration order. */
export const nodeTypes: readonly NodeType[] = graphNodeSchemas.map((schema) => schema.shape.type.value);

/** Schema of any graph node, discriminated by `type`. An unknown `type` lists the known ones. */
export const graphNodeSchema = z.discriminatedUnion("type", graphNodeSchemas, {
  error: (issue) => {
    if (issue.code !== "invalid_union") return "must be an object";
    const type = (issue.input as { type?: unknown } | undefined)?.type;
    const known = nodeTypes.join(", ");
    return type === undefined
      ? `is required (one of ${known})`
      : `${JSON.stringify(type)} is not a known node type (known types: ${known})`;
  },
});

/** Schema of a workflow graph as users write it (snake_case keys, stored as JSONB). */
export const workflowGraphSchema = z.object({
  entry: nodeRefSchema,
  nodes: z.array(graphNodeSchema).min(1).max(maxGraphNodes),
});

/** A workflow graph after parsing (defaults applied). */
export type WorkflowGraph = z.output<typeof workflowGraphSchema>;
/** A workflow graph as written, before defaults are applied. */
export type WorkflowGraphInput = z.input<typeof workflowGraphSchema>;
/** Any node of a parsed graph. */
export type GraphNode = z.output<typeof graphNodeSchema>;
/** Any node as written, before defaults are applied. */
export type GraphNodeInput = z.input<typeof graphNodeSchema>;
/** The `start` node. */
export type StartNode = z.output<typeof startNodeSchema>;
/** A `policy` node. */
export type PolicyNode = z.output<typeof policyNodeSchema>;
/** A `conditional` node. */
export type ConditionalNode = z.output<typeof conditionalNodeSchema>;
/** One condition of a conditional node. */
export type Condition = z.output<typeof conditionSchema>;
/** A `wait` node. */
export type WaitNode = z.output<typeof waitNodeSchema>;
/** What a `fail` decision does at a wait node: go to review, reject, or jump to another node. */
export type WaitFailAction = z.output<typeof waitFailActionSchema>;
/** A `terminal` node. */
export type TerminalNode = z.output<typeof terminalNodeSchema>;
/** A `task` node. */
export type TaskNode = z.output<typeof taskNodeSchema>;
/** A task node's handler. */
export type TaskHandler = z.output<typeof taskHandlerSchema>;
/** A `questionnaire` node. */
export type QuestionnaireNode = z.output<typeof questionnaireNodeSchema>;
