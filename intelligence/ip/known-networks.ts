/**
 * Curated ASNs whose organisation name alone would not reveal what they are
 * (e.g. "Amazon.com, Inc.", "The Constant Company, LLC" for Vultr, "KPN B.V.").
 * Each number's name was checked against @ip-location-db/asn 2.3.2026061719.
 * The lists do not try to be complete: the name keywords in network-kind.ts
 * catch most of the rest.
 */

/** Cloud, datacenter, CDN, VPN/proxy and security-proxy networks: the visitor is not their owner. */
export const HOSTING_ASNS: ReadonlySet<number> = new Set([
  // Amazon (AWS)
  16509, 14618, 8987, 9059, 7224, 38895, 62785,
  // Google and Google Cloud
  15169, 396982, 19527, 36040, 43515, 36384, 36492, 139070, 139190,
  // Microsoft (Azure)
  8075, 8068, 8069, 12076, 3598,
  // DigitalOcean
  14061, 393406, 46652,
  // OVH
  16276, 35540,
  // Hetzner
  24940, 213230, 212317,
  // Akamai and Linode, incl. Apple's iCloud Private Relay egress (36183)
  63949, 20940, 16625, 12222, 21342, 32787, 33905, 34164, 35994, 18680, 36183,
  // Cloudflare (also WARP and Private Relay egress)
  13335, 209242, 395747, 132892, 202623, 14789,
  // Oracle Cloud
  31898, 1215,
  // Alibaba Cloud
  45102, 37963, 24429, 134963,
  // Tencent Cloud
  45090, 132203, 132591,
  // Huawei Cloud
  136907, 55990,
  // Yandex Cloud
  200350,
  // Vultr (The Constant Company)
  20473,
  // Scaleway
  12876,
  // Fastly
  54113,
  // Leaseweb
  60781, 16265, 28753, 59253, 30633, 7203, 19148, 133752,
  // Contabo
  51167, 40021, 141995,
  // M247 (much commercial VPN egress)
  9009,
  // IBM Cloud (SoftLayer)
  36351,
  // Rackspace
  27357, 19994, 33070, 15395,
  // Hostinger, IONOS, GoDaddy, HostPapa, Namecheap, Unified Layer, Liquid Web
  47583, 8560, 26496, 398101, 36352, 54290, 22612, 46606, 32244,
  // Dedicated and VPS hosts often behind VPNs and proxies
  40676, 8100, 29802, 206092, 43350, 51852, 49981, 197540, 60404, 20454, 11878, 396356, 46844, 25820, 29066, 207990,
  36007,
  // CDN77 / Datacamp, G-Core
  60068, 212238, 199524,
  // Zscaler: corporate traffic leaves through its proxies, so the network says nothing of the company
  53813, 62044,
  // Hurricane Electric (transit, colocation, tunnel broker)
  6939,
  // Internet scanners
  398324, 398705,
]);

/** Consumer, mobile and transit carriers: their customers' traffic carries the carrier's name. */
export const ISP_ASNS: ReadonlySet<number> = new Set([
  // United States
  7922, 7015, 7016, 7725, 13367, 20214, 22909, 33287, 33489, 33490, 33491, 33650, 33651, 33652, 33657, 33659, 33660,
  33662, 33667, 33668, // Comcast
  20115, 7843, 10796, 11351, 11426, 11427, 12271, 20001, 33363, // Charter / Spectrum
  701, 702, 6167, 22394, // Verizon
  7018, 20057, 6389, // AT&T
  21928, // T-Mobile US
  22773, 6128, 5650, 7029, 30036, 11492, 12083, 16591, // Cox, Optimum, Frontier, Windstream, Mediacom, Cable One, WOW, Google Fiber
  209, 3356, 174, 2914, 3257, 6461, 1299, // transit: Lumen, Level 3, Cogent, NTT, GTT, Zayo, Arelion
  // Canada
  812, 577, 852, 6327, 5769,
  // United Kingdom and Ireland
  2856, 5607, 5089, 13285, 5378, 206067, 35228, 15502, 2110,
  // Germany, France, Spain, Italy, Benelux, Switzerland, Austria
  3320, 3209, 6805, 8881, 3215, 12322, 15557, 5410, 3352, 12479, 12430, 3269, 12874, 1267, 30722, 1136, 33915, 6830,
  5432, 3303, 6730, 8412,
  // Nordics, Central and Southern Europe, Turkey, Russia
  16086, 1759, 3301, 2119, 1257, 5483, 29247, 12741, 5617, 9050, 8708, 3243, 12353, 6866, 9121, 16135, 12389, 8359,
  3216, 31205,
  // Asia-Pacific
  1221, 4804, 7545, 4739, 4713, 2516, 17676, 4134, 4837, 9808, 55836, 9498, 24560, 45609, 9829, 55410, 45271, 17488,
  24309, 4766, 9318, 3462, 7473, 9299, 10139, 7552, 18403, 45899, 7713, 4761, 23693,
  // Latin America, Africa
  8151, 26599, 18881, 28573, 13999, 28403, 8048, 22927, 7303, 27747, 6057, 6713, 36903,
]);
