/**
 * A company's social profiles from the links on its site: only profile URLs
 * count (a LinkedIn company page, an X handle…), never share buttons,
 * intents, posts or a person's profile; each is given in one canonical form
 * so two sources naming the same profile agree.
 */

export type SocialNetwork = 'linkedin' | 'twitter' | 'github' | 'facebook' | 'youtube' | 'instagram' | 'crunchbase';

export type SocialLinks = { readonly [network in SocialNetwork]?: string };

// First path segments that are the network's own pages, not an account.
const TWITTER_RESERVED = new Set([
  'share', 'intent', 'home', 'hashtag', 'search', 'i', 'explore', 'login', 'signup', 'privacy', 'tos', 'settings', 'messages', 'notifications', 'compose',
]);
const GITHUB_RESERVED = new Set([
  'features', 'pricing', 'about', 'login', 'join', 'signup', 'sponsors', 'marketplace', 'explore', 'topics', 'collections', 'trending',
  'enterprise', 'security', 'site', 'contact', 'customer-stories', 'readme', 'team', 'orgs', 'settings', 'notifications', 'new', 'apps', 'search',
]);
const FACEBOOK_RESERVED = new Set([
  'sharer', 'sharer.php', 'share', 'share.php', 'dialog', 'plugins', 'tr', 'login', 'login.php', 'events', 'groups', 'watch', 'profile.php',
  'pages', 'hashtag', 'help', 'policies', 'privacy', 'legal', 'photo', 'photo.php', 'story.php', 'permalink.php', 'ads', 'business', 'gaming', 'marketplace',
]);
const INSTAGRAM_RESERVED = new Set(['p', 'reel', 'reels', 'explore', 'accounts', 'stories', 'tv', 'about', 'developer', 'legal', 'direct']);

const TWITTER_HANDLE = /^[A-Za-z0-9_]{1,15}$/;
const GITHUB_LOGIN = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/;
const SLUG = /^[\p{L}\p{N}%._-]{2,100}$/u;
const INSTAGRAM_HANDLE = /^[A-Za-z0-9._]{1,30}$/;
const YOUTUBE_HANDLE = /^@[\p{L}\p{N}._-]{3,30}$/u;

const NETWORK_HOST = /(?:linkedin|twitter|x|github|facebook|youtube|instagram|crunchbase)\.com/i;

/** The network and canonical profile URL a link points to, if it is a profile. */
export function socialProfile(href: string, base?: string): readonly [SocialNetwork, string] | undefined {
  let url: URL;
  try {
    url = new URL(href.trim(), base);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const host = url.hostname.toLowerCase().replace(/^(?:www|m|mobile)\./, '');
  const path = url.pathname.split('/').filter((segment) => segment !== '');
  const [first = '', second = ''] = path;
  const lower = first.toLowerCase();
  if (host === 'linkedin.com' || host.endsWith('.linkedin.com')) {
    return lower === 'company' && SLUG.test(second) ? ['linkedin', `https://www.linkedin.com/company/${second.toLowerCase()}`] : undefined;
  }
  if (host === 'twitter.com' || host === 'x.com') {
    return path.length === 1 && TWITTER_HANDLE.test(first) && !TWITTER_RESERVED.has(lower) ? ['twitter', `https://x.com/${lower}`] : undefined;
  }
  if (host === 'github.com') {
    const login = lower === 'orgs' && path.length === 2 ? second : path.length === 1 ? first : '';
    return GITHUB_LOGIN.test(login) && !GITHUB_RESERVED.has(login.toLowerCase()) ? ['github', `https://github.com/${login.toLowerCase()}`] : undefined;
  }
  if (host === 'facebook.com') {
    return path.length === 1 && SLUG.test(first) && !FACEBOOK_RESERVED.has(lower) ? ['facebook', `https://www.facebook.com/${first}`] : undefined;
  }
  if (host === 'youtube.com') {
    if (YOUTUBE_HANDLE.test(first)) return ['youtube', `https://www.youtube.com/${first}`];
    return ['channel', 'c', 'user'].includes(lower) && SLUG.test(second) ? ['youtube', `https://www.youtube.com/${lower}/${second}`] : undefined;
  }
  if (host === 'crunchbase.com') {
    return lower === 'organization' && SLUG.test(second) ? ['crunchbase', `https://www.crunchbase.com/organization/${second.toLowerCase()}`] : undefined;
  }
  if (host === 'instagram.com') {
    return path.length === 1 && INSTAGRAM_HANDLE.test(first) && !INSTAGRAM_RESERVED.has(lower) ? ['instagram', `https://www.instagram.com/${lower}`] : undefined;
  }
  return undefined;
}

/**
 * One profile per network from a page's links. When a page links several
 * (its own and a partner's), the one linked most often wins, then the first:
 * a company's own profiles sit in its header and footer, a partner's once in
 * the body.
 */
export function socialLinksOf(hrefs: Iterable<string>, base?: string): SocialLinks {
  const counts = new Map<SocialNetwork, Map<string, number>>();
  for (const href of hrefs) {
    // Most links go elsewhere; a substring test spares parsing each as a URL.
    if (!NETWORK_HOST.test(href)) continue;
    const profile = socialProfile(href, base);
    if (profile === undefined) continue;
    const [network, url] = profile;
    const seen = counts.get(network) ?? new Map<string, number>();
    seen.set(url, (seen.get(url) ?? 0) + 1);
    counts.set(network, seen);
  }
  const links: { [network in SocialNetwork]?: string } = {};
  for (const [network, seen] of counts) {
    let best: [string, number] | undefined;
    for (const entry of seen) if (best === undefined || entry[1] > best[1]) best = entry;
    if (best !== undefined) links[network] = best[0];
  }
  return links;
}
