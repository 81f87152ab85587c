// Spherical geometry for great-circle routes. A sphere of the mean Earth radius is accurate to
// about 0.5 %, which is plenty for a simulator; no ellipsoid needed.

export const earthRadiusKm = 6371.0088;

export interface LatLon {
  latitude: number;
  longitude: number;
}

const toRadians = (degrees: number) => (degrees * Math.PI) / 180;
const toDegrees = (radians: number) => (radians * 180) / Math.PI;

/** Normalises a longitude to [-180, 180). */
export function normalizeLongitude(longitude: number): number {
  const wrapped = ((((longitude + 180) % 360) + 360) % 360) - 180;
  return wrapped;
}

/** Central angle between two points in radians (haversine, stable for short distances). */
export function centralAngle(from: LatLon, to: LatLon): number {
  const phi1 = toRadians(from.latitude);
  const phi2 = toRadians(to.latitude);
  const deltaPhi = phi2 - phi1;
  const deltaLambda = toRadians(to.longitude - from.longitude);
  const h = Math.sin(deltaPhi / 2) ** 2 + Math.cos(phi1) * Math.cos(phi2) * Math.sin(deltaLambda / 2) ** 2;
  return 2 * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function distanceKm(from: LatLon, to: LatLon): number {
  return centralAngle(from, to) * earthRadiusKm;
}

/** Initial great-circle bearing from `from` towards `to`, degrees clockwise from north, [0, 360). */
export function initialBearingDeg(from: LatLon, to: LatLon): number {
  const phi1 = toRadians(from.latitude);
  const phi2 = toRadians(to.latitude);
  const deltaLambda = toRadians(to.longitude - from.longitude);
  const y = Math.sin(deltaLambda) * Math.cos(phi2);
  const x = Math.cos(phi1) * Math.sin(phi2) - Math.sin(phi1) * Math.cos(phi2) * Math.cos(deltaLambda);
  return (toDegrees(Math.atan2(y, x)) + 360) % 360;
}

/** The point a fraction (0..1) of the way along the great circle from `from` to `to`. */
export function intermediatePoint(from: LatLon, to: LatLon, fraction: number): LatLon {
  const delta = centralAngle(from, to);
  if (delta < 1e-12) return { latitude: from.latitude, longitude: normalizeLongitude(from.longitude) };
  const f = Math.min(1, Math.max(0, fraction));
  const a = Math.sin((1 - f) * delta) / Math.sin(delta);
  const b = Math.sin(f * delta) / Math.sin(delta);
  const phi1 = toRadians(from.latitude);
  const phi2 = toRadians(to.latitude);
  const lambda1 = toRadians(from.longitude);
  const lambda2 = toRadians(to.longitude);
  const x = a * Math.cos(phi1) * Math.cos(lambda1) + b * Math.cos(phi2) * Math.cos(lambda2);
  const y = a * Math.cos(phi1) * Math.sin(lambda1) + b * Math.cos(phi2) * Math.sin(lambda2);
  const z = a * Math.sin(phi1) + b * Math.sin(phi2);
  return {
    latitude: toDegrees(Math.atan2(z, Math.sqrt(x * x + y * y))),
    longitude: normalizeLongitude(toDegrees(Math.atan2(y, x))),
  };
}

/** `count` + 1 points along the great circle, for drawing a route line. */
export function greatCirclePoints(from: LatLon, to: LatLon, count: number): LatLon[] {
  const segments = Math.max(1, Math.floor(count));
  const points: LatLon[] = [];
  for (let i = 0; i <= segments; i++) points.push(intermediatePoint(from, to, i / segments));
  return points;
}
