/**
 * A User-Agent header as a person names their device: "Firefox · Windows". The session list shows
 * it so that a user can tell which sign-in is the lost phone; the raw header stays in a tooltip.
 */
const BROWSERS: [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\bOPR\//, 'Opera'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bChromium\//, 'Chromium'],
  [/\b(?:Headless)?Chrome\/|\bCriOS\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
  [/^curl\//, 'curl'],
  [/^node\b|\bundici\b/i, 'Node.js'],
];
const SYSTEMS: [RegExp, string][] = [
  [/\bAndroid\b/, 'Android'],
  [/\biPhone\b|\biPad\b|\biPod\b/, 'iOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bLinux\b|\bX11\b/, 'Linux'],
];

/** Browser and system when recognised, else the header's first word; null for no header. */
export function describeUserAgent(ua: string | null | undefined): string | null {
  const text = ua?.trim();
  if (!text) return null;
  const browser = BROWSERS.find(([re]) => re.test(text))?.[1];
  const system = SYSTEMS.find(([re]) => re.test(text))?.[1];
  if (browser || system) return [browser, system].filter(Boolean).join(' · ');
  return text.split(/[\s/;(]/)[0]!.slice(0, 40) || null;
}
