/**
 * Mail domains of home internet providers: the addresses an ISP gives its
 * broadband customers. Kept by hand, as no maintained package separates them:
 * of the five npm lists measured (free-email-domains, email-providers,
 * mailchecker, disposable-email-domains, burner-email-providers) none has an
 * ISP category, and the two that list such domains at all (as "free") miss 12
 * and 10 of the 64 ISP domains of the labelled set
 * (test/unit/enrichment/fixtures/mail-domains.csv).
 * A subdomain counts (Road Runner's `nc.rr.com`, J:COM's `jcom.home.ne.jp`).
 * Each entry names its provider, so a reviewer can check it.
 */
export const ISP_MAIL_DOMAINS: Readonly<Record<string, string>> = {
  // United Kingdom and Ireland
  'btinternet.com': 'BT', 'btopenworld.com': 'BT', 'talk21.com': 'BT', 'sky.com': 'Sky Broadband',
  'virginmedia.com': 'Virgin Media', 'virgin.net': 'Virgin Media', 'ntlworld.com': 'Virgin Media (NTL)',
  'blueyonder.co.uk': 'Virgin Media (Telewest)', 'talktalk.net': 'TalkTalk', 'tiscali.co.uk': 'TalkTalk (Tiscali)',
  'plus.net': 'Plusnet', 'eircom.net': 'eir',
  // France
  'orange.fr': 'Orange', 'wanadoo.fr': 'Orange (Wanadoo)', 'sfr.fr': 'SFR', 'neuf.fr': 'SFR (Neuf Cegetel)',
  'club-internet.fr': 'SFR (Club Internet)', 'free.fr': 'Free (Iliad)', 'aliceadsl.fr': 'Free (Alice)',
  'bbox.fr': 'Bouygues Telecom', 'numericable.fr': 'SFR (Numericable)',
  // Germany, Austria, Switzerland
  't-online.de': 'Deutsche Telekom', 'arcor.de': 'Vodafone (Arcor)',
  'kabelmail.de': 'Vodafone Kabel Deutschland', 'aon.at': 'A1 Telekom Austria',
  'chello.at': 'Magenta (UPC Austria)', 'bluewin.ch': 'Swisscom', 'hispeed.ch': 'Sunrise (UPC Switzerland)',
  // Benelux and the Nordics
  'telenet.be': 'Telenet', 'skynet.be': 'Proximus', 'pandora.be': 'Telenet (Pandora)', 'scarlet.be': 'Scarlet',
  'ziggo.nl': 'Ziggo', 'kpnmail.nl': 'KPN', 'planet.nl': 'KPN (Planet Internet)', 'home.nl': 'KPN (@Home)',
  'hetnet.nl': 'KPN (HetNet)', 'chello.nl': 'Ziggo (UPC)', 'casema.nl': 'Ziggo (Casema)', 'online.no': 'Telenor',
   'tele2.se': 'Tele2', 'bredband.net': 'Bredband2',
  // Southern Europe
  'alice.it': 'TIM (Alice)', 'tin.it': 'TIM', 'tiscali.it': 'Tiscali', 'fastwebnet.it': 'Fastweb',
  'telefonica.net': 'Movistar (Telefonica)', 'ono.com': 'ONO (Vodafone Spain)', 'netcabo.pt': 'NOS (Netcabo)',
  'otenet.gr': 'Cosmote (OTEnet)',
  // United States
  'comcast.net': 'Comcast Xfinity', 'sbcglobal.net': 'AT&T (SBC)', 'att.net': 'AT&T', 'bellsouth.net': 'AT&T (BellSouth)',
  'ameritech.net': 'AT&T (Ameritech)', 'pacbell.net': 'AT&T (Pacific Bell)', 'swbell.net': 'AT&T (Southwestern Bell)',
  'flash.net': 'AT&T (Flashnet)', 'prodigy.net': 'AT&T (Prodigy)', 'snet.net': 'AT&T (SNET)',
  'verizon.net': 'Verizon', 'cox.net': 'Cox Communications', 'charter.net': 'Charter Spectrum', 'rr.com': 'Road Runner (Spectrum)',
  'roadrunner.com': 'Road Runner (Spectrum)', 'twc.com': 'Time Warner Cable (Spectrum)', 'earthlink.net': 'EarthLink',
  'mindspring.com': 'EarthLink (MindSpring)', 'optonline.net': 'Optimum (Altice USA)', 'frontier.com': 'Frontier',
  'frontiernet.net': 'Frontier', 'windstream.net': 'Windstream', 'centurylink.net': 'CenturyLink', 'embarqmail.com': 'CenturyLink (Embarq)',
  'q.com': 'CenturyLink (Qwest)', 'qwest.net': 'CenturyLink (Qwest)', 'mchsi.com': 'Mediacom', 'suddenlink.net': 'Suddenlink',
  'wowway.com': 'WOW!', 'rcn.com': 'RCN', 'hughes.net': 'HughesNet',
  // Canada and Mexico
  'shaw.ca': 'Shaw', 'rogers.com': 'Rogers', 'sympatico.ca': 'Bell (Sympatico)', 'bell.net': 'Bell Canada', 'telus.net': 'TELUS',
  'videotron.ca': 'Videotron', 'cogeco.ca': 'Cogeco', 'eastlink.ca': 'Eastlink', 'prodigy.net.mx': 'Telmex (Prodigy)',
  // South America
  'terra.com.br': 'Terra (Telefonica Brazil)', 'oi.com.br': 'Oi', 'speedy.com.ar': 'Speedy (Telefonica Argentina)',
  'fibertel.com.ar': 'Fibertel (Telecom Argentina)', 'arnet.com.ar': 'Arnet (Telecom Argentina)', 'cantv.net': 'CANTV',
  'etb.net.co': 'ETB', 'terra.cl': 'Terra (Movistar Chile)',
  // Oceania
  'bigpond.com': 'Telstra BigPond', 'bigpond.net.au': 'Telstra BigPond', 'optusnet.com.au': 'Optus', 'iinet.net.au': 'iiNet',
  'westnet.com.au': 'iiNet (Westnet)', 'tpg.com.au': 'TPG', 'internode.on.net': 'Internode', 'adam.com.au': 'Adam Internet',
  'dodo.com.au': 'Dodo', 'ozemail.com.au': 'OzEmail', 'xtra.co.nz': 'Spark (Xtra)', 'clear.net.nz': 'Clear Net',
  'paradise.net.nz': 'Paradise (Vodafone NZ)', 'orcon.net.nz': 'Orcon', 'slingshot.co.nz': 'Slingshot',
  // Africa
  'mweb.co.za': 'MWEB', 'telkomsa.net': 'Telkom South Africa', 'vodamail.co.za': 'Vodacom', 'iafrica.com': 'iAfrica',
  'africaonline.co.ke': 'Africa Online Kenya',
  // Asia
  'ocn.ne.jp': 'NTT OCN', 'nifty.com': '@nifty', 'biglobe.ne.jp': 'BIGLOBE', 'so-net.ne.jp': 'So-net', 'ybb.ne.jp': 'SoftBank BB',
  'plala.or.jp': 'NTT Plala', 'odn.ne.jp': 'ODN (SoftBank)', 'eonet.ne.jp': 'eo (Optage)', 'home.ne.jp': 'J:COM',
  'zaq.ne.jp': 'J:COM (ZAQ)', 'hinet.net': 'Chunghwa Telecom HiNet', 'netvigator.com': 'PCCW Netvigator',
  'singnet.com.sg': 'Singtel SingNet', 'pacific.net.sg': 'Pacific Internet', 'starhub.net.sg': 'StarHub',
  'tm.net.my': 'Telekom Malaysia', 'zahav.net': 'Partner (012 Smile Zahav)', 'vsnl.net': 'Tata Communications (VSNL)', 'hanafos.com': 'SK Broadband (Hanaro)',
};
