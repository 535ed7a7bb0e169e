const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

function compareIdentifiers(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) return Math.sign(Number(a) - Number(b));
  if (an !== bn) return an ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Semver 2.0 precedence of two versions (-1, 0, 1); unparsable versions compare as strings. */
export function compareVersions(a: string, b: string): number {
  const x = SEMVER.exec(a);
  const y = SEMVER.exec(b);
  if (x === null || y === null) return a < b ? -1 : a > b ? 1 : 0;
  for (let i = 1; i <= 3; i += 1) {
    const d = Math.sign(Number(x[i]) - Number(y[i]));
    if (d !== 0) return d;
  }
  const xp = x[4];
  const yp = y[4];
  if (xp === undefined || yp === undefined) return xp === yp ? 0 : xp === undefined ? 1 : -1;
  const xs = xp.split('.');
  const ys = yp.split('.');
  for (let i = 0; i < Math.max(xs.length, ys.length); i += 1) {
    const xi = xs[i];
    const yi = ys[i];
    if (xi === undefined) return -1;
    if (yi === undefined) return 1;
    const d = compareIdentifiers(xi, yi);
    if (d !== 0) return d;
  }
  return 0;
}
