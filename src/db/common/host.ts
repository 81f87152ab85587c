// Hosts as certificates and endpoints are compared: a node's certificate names its addresses
// (subjectAltName) and its internode preamble names its endpoint, and the two must agree.

/**
 * A host in canonical form: DNS names in lower case, IPv6 addresses compressed (::1, not
 * 0:0:0:0:0:0:0:1), IPv4 as written.
 */
export function canonicalHost(host: string): string {
  if (host.includes(':')) {
    try {
      return new URL(`http://[${host}]/`).hostname.slice(1, -1);
    } catch {
      return host.toLowerCase();
    }
  }
  return host.toLowerCase();
}
