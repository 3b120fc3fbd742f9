/** One point: the balance after a ledger entry. */
export interface LedgerPoint {
  at: string;
  balance: number;
}

const WIDTH = 720;
const HEIGHT = 220;
const PAD = { left: 44, right: 12, top: 12, bottom: 28 };

/**
 * The balance after each ledger entry over time, as a step line in SVG. Written here rather than taken
 * from a charting library: one step line with two axes is ~60 lines, where a library would add 40–150 KB
 * to the console's bundle.
 */
export function LedgerChart({ points }: { points: LedgerPoint[] }) {
  if (points.length === 0) return <p className="muted">No ledger entries yet.</p>;
  const times = points.map((p) => new Date(p.at).getTime());
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1);
  const values = points.map((p) => p.balance);
  const v0 = Math.min(0, ...values);
  const v1 = Math.max(1, ...values);
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => HEIGHT - PAD.bottom - ((v - v0) / (v1 - v0)) * (HEIGHT - PAD.top - PAD.bottom);
  let path = "";
  points.forEach((p, i) => {
    const px = x(times[i]!);
    const py = y(p.balance);
    path += i === 0 ? `M${px},${py}` : `H${px}V${py}`;
  });
  path += `H${x(t1)}`;
  const last = points.at(-1)!;
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={`Balance from ${values[0]} to ${last.balance} over ${points.length} ledger entries`}
    >
      <line className="axis" x1={PAD.left} y1={y(v0)} x2={WIDTH - PAD.right} y2={y(v0)} />
      <line className="axis" x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={HEIGHT - PAD.bottom} />
      <text x={PAD.left - 6} y={y(v1) + 4} textAnchor="end">
        {v1}
      </text>
      <text x={PAD.left - 6} y={y(v0) + 4} textAnchor="end">
        {v0}
      </text>
      <text x={PAD.left} y={HEIGHT - 8}>
        {new Date(t0).toLocaleDateString()}
      </text>
      <text x={WIDTH - PAD.right} y={HEIGHT - 8} textAnchor="end">
        {new Date(t1).toLocaleString()}
      </text>
      <path className="line" d={path} />
      {points.map((p, i) => (
        <circle key={`${p.at}-${i}`} cx={x(times[i]!)} cy={y(p.balance)} r={2.5} fill="currentColor">
          <title>
            {new Date(p.at).toLocaleString()}: {p.balance}
          </title>
        </circle>
      ))}
    </svg>
  );
}
