// Dated model snapshots: `gpt-4o-2024-08-06` and `claude-3-5-sonnet-20241022` fold under their
// parent name, newest first.

const DATED = /^(.*?)[-@](\d{4}-\d{2}-\d{2}|\d{8})$/;

/** `{ parent, date }` of a dated snapshot name, or `{ parent: name, date: null }`. */
export function snapshotOf(name) {
  const m = DATED.exec(name);
  return m ? { parent: m[1], date: m[2].replace(/-/g, '') } : { parent: name, date: null };
}

/** Group catalog rows by provider + parent; each group's snapshots newest first. */
export function groupSnapshots(models) {
  const groups = new Map();
  for (const m of models) {
    const { parent, date } = snapshotOf(m.model);
    const id = `${m.provider}/${parent}`;
    if (!groups.has(id)) groups.set(id, { id, provider: m.provider, parent, head: undefined, snapshots: [] });
    const g = groups.get(id);
    if (date === null) g.head = m;
    else g.snapshots.push({ ...m, date });
  }
  for (const g of groups.values()) {
    g.snapshots.sort((a, b) => b.date.localeCompare(a.date));
    g.head ??= g.snapshots.shift();
  }
  return [...groups.values()];
}
