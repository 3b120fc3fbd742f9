// `tooling/flowgate gql '<GraphQL document>' [name=value …] [--get path]`: sends one GraphQL operation to
// the gateway at $FG (default http://127.0.0.1:4000/graphql) with the key in $KEY, and prints the answer
// as JSON. `name=value` pairs are the operation's variables (a value that parses as JSON is used as JSON,
// anything else as a string). `--get data.createSession.id` prints just that value, for
// `SESSION=$(tooling/flowgate gql … --get …)`. Exits with 1 when the answer has errors or the path is
// missing, so a script stops at the first failure. Plain JavaScript: it runs without a build.
const args = process.argv.slice(2);
let document;
let get;
const variables = {};
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === "--get") get = args[++i];
  else if (document === undefined) document = arg;
  else {
    const at = arg.indexOf("=");
    if (at <= 0) fail(`variables are name=value, got ${JSON.stringify(arg)}`);
    const raw = arg.slice(at + 1);
    let value = raw;
    try {
      value = JSON.parse(raw);
    } catch {}
    variables[arg.slice(0, at)] = value;
  }
}
if (!document) fail("usage: tooling/flowgate gql '<GraphQL document>' [name=value …] [--get path]");
const url = process.env.FG || "http://127.0.0.1:4000/graphql";
const headers = { "content-type": "application/json" };
if (process.env.KEY) headers["x-api-key"] = process.env.KEY;
const response = await fetch(url, {
  method: "POST",
  headers,
  body: JSON.stringify({ query: document, variables }),
});
const text = await response.text();
let answer;
try {
  answer = JSON.parse(text);
} catch {
  fail(`${url} answered ${response.status}: ${text.slice(0, 500)}`);
}
if (get) {
  const value = get.split(".").reduce((at, key) => (at == null ? undefined : at[key]), answer);
  if (value === undefined || value === null) fail(`no ${get} in ${JSON.stringify(answer)}`);
  console.log(typeof value === "string" ? value : JSON.stringify(value));
} else {
  console.log(JSON.stringify(answer, null, 2));
}
if (answer.errors?.length) process.exit(1);

function fail(message) {
  console.error(`gql: ${message}`);
  process.exit(1);
}
