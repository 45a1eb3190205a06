/**
 * SaaS a company uses, as its DNS says so: the SPF `include:` each service
 * tells its customers to add so it may send as them, and the TXT record each
 * asks for to prove the domain is theirs. Every entry gives the documented
 * value and its source, so a reviewer can check it. A verification record may
 * outlive the subscription, which is why the provider gives these less
 * confidence than an MX record.
 */

export interface SpfIncludeSignal {
  readonly saas: string;
  /** The include's domain, or a parent of it (`hubspotemail.net` covers `123.spf04.hubspotemail.net`). */
  readonly include: string;
  readonly reason: string;
}

export interface TxtVerificationSignal {
  readonly saas: string;
  /** The record's start, compared without regard to case. */
  readonly prefix: string;
  readonly reason: string;
}

export const SPF_INCLUDE_SIGNALS: readonly SpfIncludeSignal[] = [
  { saas: 'Google Workspace', include: '_spf.google.com', reason: 'Google Workspace SPF setup: v=spf1 include:_spf.google.com ~all' },
  { saas: 'Microsoft 365', include: 'spf.protection.outlook.com', reason: 'Microsoft 365 SPF setup: include:spf.protection.outlook.com' },
  { saas: 'Zoho Mail', include: 'zoho.com', reason: 'Zoho Mail SPF: include:zoho.com (zoho.eu, zoho.in, zoho.com.au by region)' },
  { saas: 'Zoho Mail', include: 'zoho.eu', reason: 'Zoho Mail EU SPF: include:zoho.eu' },
  { saas: 'Zoho Mail', include: 'zoho.in', reason: 'Zoho Mail India SPF: include:zoho.in' },
  { saas: 'Proton Mail', include: '_spf.protonmail.ch', reason: 'Proton custom domain SPF: include:_spf.protonmail.ch' },
  { saas: 'Fastmail', include: 'spf.messagingengine.com', reason: 'Fastmail custom domain SPF: include:spf.messagingengine.com' },
  { saas: 'Yandex 360', include: '_spf.yandex.net', reason: 'Yandex 360 SPF: include:_spf.yandex.net' },
  { saas: 'Amazon SES', include: 'amazonses.com', reason: 'Amazon SES SPF for a custom MAIL FROM domain: include:amazonses.com' },
  { saas: 'GoDaddy', include: 'secureserver.net', reason: 'GoDaddy email SPF: include:secureserver.net' },
  { saas: 'OVHcloud', include: 'mx.ovh.com', reason: 'OVHcloud email SPF: include:mx.ovh.com' },
  { saas: 'Rackspace Email', include: 'emailsrvr.com', reason: 'Rackspace Email SPF: include:emailsrvr.com' },
  { saas: 'Mimecast', include: 'mimecast.com', reason: 'Mimecast outbound SPF: include:<region>._netblocks.mimecast.com' },
  { saas: 'Proofpoint', include: 'pphosted.com', reason: 'Proofpoint outbound SPF: include:spf-<id>.pphosted.com' },
  { saas: 'Salesforce', include: '_spf.salesforce.com', reason: 'Salesforce email deliverability SPF: include:_spf.salesforce.com' },
  { saas: 'Salesforce Marketing Cloud', include: 'exacttarget.com', reason: 'Marketing Cloud SPF: include:cust-spf.exacttarget.com' },
  { saas: 'HubSpot', include: 'hubspotemail.net', reason: 'HubSpot email sending domain SPF: include:<id>.spf0n.hubspotemail.net' },
  { saas: 'Mailchimp', include: 'servers.mcsv.net', reason: 'Mailchimp SPF: include:servers.mcsv.net' },
  { saas: 'Mailchimp Transactional', include: 'spf.mandrillapp.com', reason: 'Mandrill SPF: include:spf.mandrillapp.com' },
  { saas: 'SendGrid', include: 'sendgrid.net', reason: 'Twilio SendGrid SPF: include:sendgrid.net' },
  { saas: 'Mailgun', include: 'mailgun.org', reason: 'Mailgun SPF: include:mailgun.org' },
  { saas: 'Postmark', include: 'spf.mtasv.net', reason: 'Postmark SPF: include:spf.mtasv.net' },
  { saas: 'SparkPost', include: 'sparkpostmail.com', reason: 'SparkPost SPF: include:sparkpostmail.com' },
  { saas: 'Mailjet', include: 'spf.mailjet.com', reason: 'Mailjet SPF: include:spf.mailjet.com' },
  { saas: 'Brevo', include: 'spf.sendinblue.com', reason: 'Brevo (Sendinblue) SPF: include:spf.sendinblue.com' },
  { saas: 'Brevo', include: 'spf.brevo.com', reason: 'Brevo SPF: include:spf.brevo.com' },
  { saas: 'Campaign Monitor', include: '_spf.createsend.com', reason: 'Campaign Monitor SPF: include:_spf.createsend.com' },
  { saas: 'Constant Contact', include: 'spf.constantcontact.com', reason: 'Constant Contact SPF: include:spf.constantcontact.com' },
  { saas: 'Marketo', include: 'mktomail.com', reason: 'Adobe Marketo Engage SPF: include:mktomail.com' },
  { saas: 'Zendesk', include: 'mail.zendesk.com', reason: 'Zendesk SPF: include:mail.zendesk.com' },
  { saas: 'Freshdesk', include: 'freshdesk.com', reason: 'Freshdesk SPF: include:email.freshdesk.com' },
  { saas: 'Help Scout', include: 'helpscoutemail.com', reason: 'Help Scout SPF: include:helpscoutemail.com' },
  { saas: 'Intercom', include: 'intercom.io', reason: 'Intercom custom sending domain SPF: include:_spf.intercom.io' },
  { saas: 'Atlassian', include: '_spf.atlassian.net', reason: 'Atlassian cloud (Jira, Confluence) custom email SPF: include:_spf.atlassian.net' },
  { saas: 'Shopify', include: '_spf.shopify.com', reason: 'Shopify email SPF: include:_spf.shopify.com' },
  { saas: 'NetSuite', include: 'mail.netsuite.com', reason: 'Oracle NetSuite email SPF: include:mail.netsuite.com' },
  { saas: 'ServiceNow', include: 'service-now.com', reason: 'ServiceNow email SPF: include:_spf.service-now.com' },
  { saas: 'Elastic Email', include: '_spf.elasticemail.com', reason: 'Elastic Email SPF: include:_spf.elasticemail.com' },
  { saas: 'Zoho Campaigns', include: 'zcsend.net', reason: 'Zoho Campaigns SPF: include:zcsend.net' },
];

export const TXT_VERIFICATION_SIGNALS: readonly TxtVerificationSignal[] = [
  { saas: 'Google Workspace', prefix: 'google-site-verification=', reason: 'Google Workspace / Search Console domain verification TXT: google-site-verification=<token>' },
  { saas: 'Microsoft 365', prefix: 'MS=ms', reason: 'Microsoft 365 domain verification TXT: MS=ms<digits>' },
  { saas: 'Atlassian', prefix: 'atlassian-domain-verification=', reason: 'Atlassian Guard / Admin domain verification TXT' },
  { saas: 'DocuSign', prefix: 'docusign=', reason: 'DocuSign domain claim TXT: docusign=<uuid>' },
  { saas: 'Meta Business', prefix: 'facebook-domain-verification=', reason: 'Meta Business Manager domain verification TXT' },
  { saas: 'Stripe', prefix: 'stripe-verification=', reason: 'Stripe domain verification TXT (payment method domains, Checkout)' },
  { saas: 'HubSpot', prefix: 'hubspot-developer-verification=', reason: 'HubSpot developer domain verification TXT' },
  { saas: 'HubSpot', prefix: 'hubspot-domain-verification=', reason: 'HubSpot domain verification TXT' },
  { saas: 'Zoom', prefix: 'ZOOM_verify_', reason: 'Zoom associated-domain verification TXT: ZOOM_verify_<token>' },
  { saas: 'Apple Business', prefix: 'apple-domain-verification=', reason: 'Apple (Business Manager, Sign in with Apple) domain verification TXT' },
  { saas: 'Adobe', prefix: 'adobe-idp-site-verification=', reason: 'Adobe Admin Console identity domain verification TXT' },
  { saas: 'Adobe Acrobat Sign', prefix: 'adobe-sign-verification=', reason: 'Adobe Acrobat Sign domain claim TXT' },
  { saas: 'Slack', prefix: 'slack-domain-verification=', reason: 'Slack Enterprise domain verification TXT' },
  { saas: 'Dropbox', prefix: 'dropbox-domain-verification=', reason: 'Dropbox team domain verification TXT' },
  { saas: 'Zoho', prefix: 'zoho-verification=', reason: 'Zoho domain verification TXT: zoho-verification=zb<digits>.zmverify.zoho.com' },
  { saas: 'Yandex 360', prefix: 'yandex-verification:', reason: 'Yandex domain verification TXT: yandex-verification: <token>' },
  { saas: 'Cisco Webex', prefix: 'cisco-ci-domain-verification=', reason: 'Cisco Webex Control Hub domain verification TXT' },
  { saas: 'Cisco Webex', prefix: 'webexdomainverification.', reason: 'Webex site domain verification TXT: webexdomainverification.<id>=<token>' },
  { saas: 'GlobalSign', prefix: 'globalsign-domain-verification=', reason: 'GlobalSign certificate domain validation TXT' },
  { saas: 'OneTrust', prefix: 'onetrust-domain-verification=', reason: 'OneTrust domain verification TXT' },
  { saas: 'Miro', prefix: 'miro-verification=', reason: 'Miro domain verification TXT' },
  { saas: 'Canva', prefix: 'canva-site-verification=', reason: 'Canva for Teams domain verification TXT' },
  { saas: 'Twilio', prefix: 'twilio-domain-verification=', reason: 'Twilio domain verification TXT' },
  { saas: 'Pinterest', prefix: 'pinterest-site-verification=', reason: 'Pinterest website claim TXT' },
  { saas: 'KnowBe4', prefix: 'knowbe4-site-verification=', reason: 'KnowBe4 domain verification TXT' },
  { saas: 'Docker', prefix: 'docker-verification=', reason: 'Docker Business domain verification TXT' },
  { saas: 'GitLab', prefix: 'gitlab-pages-verification-code=', reason: 'GitLab Pages custom domain verification TXT' },
  { saas: 'Jamf', prefix: 'jamf-site-verification=', reason: 'Jamf domain verification TXT' },
  { saas: 'LogMeIn', prefix: 'logmein-verification-code=', reason: 'LogMeIn / GoTo domain verification TXT' },
  { saas: 'Citrix', prefix: 'citrix-verification-code=', reason: 'Citrix Cloud domain verification TXT' },
  { saas: 'TeamViewer', prefix: 'teamviewer-sso-verification=', reason: 'TeamViewer SSO domain verification TXT' },
  { saas: 'Box', prefix: 'box-domain-verification=', reason: 'Box domain verification TXT' },
  { saas: 'Atlassian Statuspage', prefix: 'status-page-domain-verification=', reason: 'Statuspage custom domain verification TXT' },
  { saas: 'MongoDB Atlas', prefix: 'mongodb-site-verification=', reason: 'MongoDB Atlas federated domain verification TXT' },
  { saas: 'Postman', prefix: 'postman-domain-verification=', reason: 'Postman domain verification TXT' },
  { saas: 'OpenAI', prefix: 'openai-domain-verification=', reason: 'OpenAI (ChatGPT Enterprise) domain verification TXT' },
  { saas: 'Have I Been Pwned', prefix: 'have-i-been-pwned-verification=', reason: 'Have I Been Pwned domain search verification TXT' },
];

function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '');
}

/** The SaaS an SPF `include:` domain belongs to, if known. */
export function saasOfSpfInclude(include: string): string | undefined {
  const host = normalizeHost(include);
  return SPF_INCLUDE_SIGNALS.find((signal) => host === signal.include || host.endsWith(`.${signal.include}`))?.saas;
}

/** The SaaS a TXT record proves the domain to, if known; `text` is the record's strings joined. */
export function saasOfTxtRecord(text: string): string | undefined {
  const lower = text.trim().toLowerCase();
  return TXT_VERIFICATION_SIGNALS.find((signal) => lower.startsWith(signal.prefix.toLowerCase()))?.saas;
}
