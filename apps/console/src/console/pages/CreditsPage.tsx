import { graphql } from "@flowgate/client";
import { useState } from "react";
import { formatDateTime, useRequest } from "../../shared/use-request.ts";
import { client } from "../api.ts";
import { LedgerChart } from "../components/LedgerChart.tsx";
import { Table } from "../components/Table.tsx";

const Credits = graphql(`
  query Credits($kind: CreditEntryKind) {
    creditBalance { balance reserved available environment }
    creditLedger(kind: $kind, first: 200) {
      edges { node { id kind amount balanceAfter createdAt note action actor referenceId } }
      pageInfo { hasNextPage }
    }
  }
`);

/** Credits: balance, reserved and available, the ledger as a chart over time and as a table. */
export function CreditsPage() {
  const [kind, setKind] = useState<"" | "grant" | "charge" | "refund" | "adjustment">("");
  const data = useRequest(() => client.request(Credits, { kind: kind || null }), [kind]);
  const all = useRequest(() => client.request(Credits, { kind: null }), []);
  if (data.error) return <p className="error">{data.error.message}</p>;
  if (!data.data) return <p className="muted">Loading…</p>;
  const { creditBalance: balance, creditLedger } = data.data;
  const entries = creditLedger.edges.map((e) => e.node);
  const history = (all.data?.creditLedger.edges.map((e) => e.node) ?? []).slice().reverse();
  return (
    <>
      <div className="page-head">
        <h1>Credits</h1>
        <span className="badge">{balance.environment}</span>
      </div>
      <section className="panel row" aria-label="Balance" style={{ gap: "2rem" }}>
        <div>
          <div className="muted small">Balance</div>
          <div style={{ fontSize: "1.6rem" }} data-testid="credit-balance">
            {balance.balance}
          </div>
        </div>
        <div>
          <div className="muted small">Reserved</div>
          <div style={{ fontSize: "1.6rem" }}>{balance.reserved}</div>
        </div>
        <div>
          <div className="muted small">Available</div>
          <div style={{ fontSize: "1.6rem" }}>{balance.available}</div>
        </div>
      </section>
      <section className="panel" aria-labelledby="chart-title">
        <h2 id="chart-title">Balance over time</h2>
        <LedgerChart points={history.map((e) => ({ at: e.createdAt, balance: e.balanceAfter }))} />
      </section>
      <section className="panel" aria-labelledby="ledger-title">
        <div className="row" style={{ justifyContent: "space-between" }}>
          <h2 id="ledger-title">Ledger</h2>
          <label className="inline">
            Kind
            <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
              <option value="">all</option>
              <option value="grant">grant</option>
              <option value="charge">charge</option>
              <option value="refund">refund</option>
              <option value="adjustment">adjustment</option>
            </select>
          </label>
        </div>
        {entries.length === 0 ? <p className="muted">No entries.</p> : null}
        {entries.length ? (
          <Table columns={["When", "Kind", "Amount", "Balance after", "Note", "Reference"]}>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>{formatDateTime(e.createdAt)}</td>
                <td>{e.kind}</td>
                <td>{e.amount > 0 ? `+${e.amount}` : e.amount}</td>
                <td>{e.balanceAfter}</td>
                <td>{e.note ?? e.action ?? "—"}</td>
                <td className="small">{e.referenceId ?? "—"}</td>
              </tr>
            ))}
          </Table>
        ) : null}
      </section>
    </>
  );
}
