/**
 * Who runs a domain's mail, read from its MX hosts: the host names each
 * provider tells its customers to publish (their setup guides), matched on
 * the host's own name (`aspmx.l.google.com`) or a parent (`*.pphosted.com`).
 * `mailbox`: the provider holds the mailboxes. `gateway`: a filtering service
 * in front of them, which hides the mailbox provider (see the SPF signals).
 * `relay`: inbound mail handed to an application or forwarded elsewhere.
 */

export type MailServiceKind = 'mailbox' | 'gateway' | 'relay';

export interface MailExchangerPattern {
  readonly provider: string;
  readonly kind: MailServiceKind;
  /** A host name suffix (`google.com` matches `aspmx.l.google.com`), or a pattern for hosts with a variable middle. */
  readonly host: string | RegExp;
  /** Where the pattern comes from, so a reviewer can check it. */
  readonly reason: string;
}

export const MAIL_EXCHANGER_PATTERNS: readonly MailExchangerPattern[] = [
  { provider: 'Google Workspace', kind: 'mailbox', host: 'google.com', reason: 'Google Workspace MX setup: smtp.google.com, or ASPMX.L.GOOGLE.COM and ALTn.ASPMX.L.GOOGLE.COM' },
  { provider: 'Google Workspace', kind: 'mailbox', host: 'googlemail.com', reason: 'Google Workspace legacy MX values ASPMX2-5.GOOGLEMAIL.COM' },
  { provider: 'Microsoft 365', kind: 'mailbox', host: 'mail.protection.outlook.com', reason: 'Microsoft 365 DNS records: <tenant>.mail.protection.outlook.com (Exchange Online Protection)' },
  { provider: 'Microsoft 365', kind: 'mailbox', host: 'mx.microsoft', reason: 'Exchange Online inbound SMTP DANE with DNSSEC: <tenant>.<id>.mx.microsoft' },
  { provider: 'Microsoft 365', kind: 'mailbox', host: 'mail.protection.office365.us', reason: 'Microsoft 365 GCC High / DoD MX: <tenant>.mail.protection.office365.us' },
  { provider: 'Microsoft 365', kind: 'mailbox', host: 'mail.protection.partner.outlook.cn', reason: 'Microsoft 365 operated by 21Vianet (China) MX' },
  { provider: 'Zoho Mail', kind: 'mailbox', host: /(?:^|\.)zoho(?:mail|cloud)?\.(?:com|eu|in|jp|sa|ca|com\.au|com\.cn)$/, reason: 'Zoho Mail MX: mx.zoho.com, mx2.zoho.com, mx3.zoho.com and the regional mx.zoho.eu / .in / .com.au / mx.zohocloud.ca' },
  { provider: 'Proton Mail', kind: 'mailbox', host: 'protonmail.ch', reason: 'Proton custom domain setup: mail.protonmail.ch and mailsec.protonmail.ch' },
  { provider: 'Fastmail', kind: 'mailbox', host: 'messagingengine.com', reason: 'Fastmail custom domain MX: in1-smtp.messagingengine.com, in2-smtp.messagingengine.com' },
  { provider: 'iCloud Mail', kind: 'mailbox', host: 'mail.icloud.com', reason: 'iCloud+ custom email domain MX: mx01.mail.icloud.com, mx02.mail.icloud.com' },
  { provider: 'Yandex 360', kind: 'mailbox', host: 'mx.yandex.net', reason: 'Yandex 360 for business MX: mx.yandex.net' },
  { provider: 'Yandex 360', kind: 'mailbox', host: 'mx.yandex.ru', reason: 'Yandex 360 legacy MX: mx.yandex.ru' },
  { provider: 'VK WorkMail', kind: 'mailbox', host: 'emx.mail.ru', reason: 'Mail.ru for business (VK WorkMail) MX: emx.mail.ru' },
  { provider: 'Tencent Exmail', kind: 'mailbox', host: /^mxbiz\d*\.qq\.com$/, reason: 'Tencent Exmail (WeCom mail) MX: mxbiz1.qq.com, mxbiz2.qq.com' },
  { provider: 'Alibaba Mail', kind: 'mailbox', host: 'mxhichina.com', reason: 'Alibaba Cloud enterprise mail MX: mxn.mxhichina.com, mxw.mxhichina.com' },
  { provider: 'Alibaba Mail', kind: 'mailbox', host: 'qiye.aliyun.com', reason: 'Alibaba Mail MX: mx1.qiye.aliyun.com' },
  { provider: 'NetEase Qiye Mail', kind: 'mailbox', host: 'qiye.163.com', reason: 'NetEase enterprise mail MX: qiye163mx01.mxmail.netease.com / mx.qiye.163.com' },
  { provider: 'NetEase Qiye Mail', kind: 'mailbox', host: 'mxmail.netease.com', reason: 'NetEase enterprise mail MX: qiye163mx01.mxmail.netease.com' },
  { provider: 'Naver Works', kind: 'mailbox', host: 'worksmobile.com', reason: 'NAVER WORKS mail MX: mx1.worksmobile.com, mx2.worksmobile.com' },
  { provider: 'Amazon WorkMail / SES', kind: 'mailbox', host: /^inbound-smtp\.[a-z0-9-]+\.amazonaws\.com$/, reason: 'Amazon SES receiving and WorkMail MX: inbound-smtp.<region>.amazonaws.com' },
  { provider: 'OVHcloud', kind: 'mailbox', host: 'mail.ovh.net', reason: 'OVHcloud email MX: mx0-4.mail.ovh.net' },
  { provider: 'OVHcloud', kind: 'mailbox', host: 'ovh.net', reason: 'OVHcloud legacy MX: mx1.ovh.net, redirect.ovh.net' },
  { provider: 'GoDaddy', kind: 'mailbox', host: 'secureserver.net', reason: 'GoDaddy Workspace Email / Professional Email MX: mailstore1.secureserver.net, smtp.secureserver.net' },
  { provider: 'IONOS', kind: 'mailbox', host: 'ionos.com', reason: 'IONOS mail MX: mx00.ionos.com, mx01.ionos.com (and per-country ionos.de, ionos.co.uk)' },
  { provider: 'IONOS', kind: 'mailbox', host: /(?:^|\.)(?:ionos\.(?:de|co\.uk|fr|es|it|mx|ca)|1and1\.(?:com|de|co\.uk|fr|es))$/, reason: 'IONOS (1&1) country MX hosts: mx00.ionos.de, mx00.1and1.co.uk' },
  { provider: 'Rackspace Email', kind: 'mailbox', host: 'emailsrvr.com', reason: 'Rackspace Email MX: mx1.emailsrvr.com, mx2.emailsrvr.com' },
  { provider: 'Namecheap Private Email', kind: 'mailbox', host: 'privateemail.com', reason: 'Namecheap Private Email MX: mx1.privateemail.com, mx2.privateemail.com' },
  { provider: 'Hostinger', kind: 'mailbox', host: 'hostinger.com', reason: 'Hostinger email MX: mx1.hostinger.com, mx2.hostinger.com' },
  { provider: 'Gandi Mail', kind: 'mailbox', host: 'mail.gandi.net', reason: 'Gandi mail MX: spool.mail.gandi.net, fb.mail.gandi.net' },
  { provider: 'Migadu', kind: 'mailbox', host: 'migadu.com', reason: 'Migadu MX: aspmx1.migadu.com, aspmx2.migadu.com' },
  { provider: 'Yahoo Small Business', kind: 'mailbox', host: 'mx-biz.mail.am0.yahoodns.net', reason: 'Yahoo Small Business email MX: mx-biz.mail.am0.yahoodns.net' },
  { provider: 'Mimecast', kind: 'gateway', host: 'mimecast.com', reason: 'Mimecast MX: <region>-smtp-inbound-1.mimecast.com' },
  { provider: 'Mimecast', kind: 'gateway', host: 'mimecast.co.za', reason: 'Mimecast South Africa MX: za-smtp-inbound-1.mimecast.co.za' },
  { provider: 'Mimecast', kind: 'gateway', host: 'mimecast-offshore.com', reason: 'Mimecast offshore MX: je-smtp-inbound-1.mimecast-offshore.com' },
  { provider: 'Proofpoint', kind: 'gateway', host: 'pphosted.com', reason: 'Proofpoint Enterprise MX: mx0a-<id>.pphosted.com, mx0b-<id>.pphosted.com' },
  { provider: 'Proofpoint Essentials', kind: 'gateway', host: 'ppe-hosted.com', reason: 'Proofpoint Essentials MX: mx1-us1.ppe-hosted.com, mx2-us1.ppe-hosted.com' },
  { provider: 'Barracuda Email Protection', kind: 'gateway', host: 'barracudanetworks.com', reason: 'Barracuda Email Security Service MX: d<id>.a.ess.barracudanetworks.com' },
  { provider: 'Cisco Secure Email', kind: 'gateway', host: 'iphmx.com', reason: 'Cisco Secure Email (IronPort) cloud MX: mx1.<id>.iphmx.com' },
  { provider: 'Broadcom Email Security.cloud', kind: 'gateway', host: 'messagelabs.com', reason: 'Symantec / Broadcom Email Security.cloud MX: cluster<n>.<region>.messagelabs.com' },
  { provider: 'Trend Micro Email Security', kind: 'gateway', host: 'tmes.trendmicro.com', reason: 'Trend Micro Email Security MX: <id>.in.tmes.trendmicro.com' },
  { provider: 'Trend Micro Email Security', kind: 'gateway', host: 'tmes.trendmicro.eu', reason: 'Trend Micro Email Security EU MX: <id>.in.tmes.trendmicro.eu' },
  { provider: 'Sophos Email', kind: 'gateway', host: 'hydra.sophos.com', reason: 'Sophos Central Email MX: mx-01-<region>.prod.hydra.sophos.com' },
  { provider: 'Hornetsecurity', kind: 'gateway', host: 'hornetsecurity.com', reason: 'Hornetsecurity spam filter MX: mx01.hornetsecurity.com' },
  { provider: 'Forcepoint Email Security', kind: 'gateway', host: 'mailcontrol.com', reason: 'Forcepoint cloud email MX: cluster<n>.<region>.mailcontrol.com' },
  { provider: 'Cloudflare Email Routing', kind: 'relay', host: 'mx.cloudflare.net', reason: 'Cloudflare Email Routing MX: route1-3.mx.cloudflare.net' },
  { provider: 'ImprovMX', kind: 'relay', host: 'improvmx.com', reason: 'ImprovMX forwarding MX: mx1.improvmx.com, mx2.improvmx.com' },
  { provider: 'Forward Email', kind: 'relay', host: 'forwardemail.net', reason: 'Forward Email MX: mx1.forwardemail.net, mx2.forwardemail.net' },
  { provider: 'Mailgun', kind: 'relay', host: 'mailgun.org', reason: 'Mailgun inbound routing MX: mxa.mailgun.org, mxb.mailgun.org' },
  { provider: 'SendGrid', kind: 'relay', host: 'mx.sendgrid.net', reason: 'SendGrid Inbound Parse MX: mx.sendgrid.net' },
];

export interface MailService {
  readonly provider: string;
  readonly kind: MailServiceKind;
}

function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '');
}

function matches(pattern: string | RegExp, host: string): boolean {
  if (typeof pattern !== 'string') return pattern.test(host);
  return host === pattern || host.endsWith(`.${pattern}`);
}

/** The service behind one MX host, if it is a known one. */
export function mailServiceOfExchange(exchange: string): MailService | undefined {
  const host = normalizeHost(exchange);
  const found = MAIL_EXCHANGER_PATTERNS.find((pattern) => matches(pattern.host, host));
  return found === undefined ? undefined : { provider: found.provider, kind: found.kind };
}
