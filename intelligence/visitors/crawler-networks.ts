/**
 * Address ranges that search engines publish as their crawlers' own
 * (googlebot.json, bingbot.json): every request from them is a crawler, whatever
 * user agent it sends (Google renders pages with a browser-like one). Apple's
 * Applebot crawls from Apple's 17.0.0.0/8, which Apple's staff browse from too,
 * so there the user agent decides, never the range alone.
 */
export const CRAWLER_NETWORKS: readonly { readonly crawler: string; readonly cidr: string }[] = [
  { crawler: 'Googlebot', cidr: '66.249.64.0/19' },
  { crawler: 'Googlebot', cidr: '2001:4860:4801::/48' },
  { crawler: 'Bingbot', cidr: '40.77.167.0/24' },
  { crawler: 'Bingbot', cidr: '157.55.39.0/24' },
  { crawler: 'Bingbot', cidr: '207.46.13.0/24' },
];
