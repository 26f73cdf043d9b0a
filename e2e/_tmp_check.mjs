import { chromium } from 'playwright-core';
const base = process.env.BASE;
const OUT = '/tmp/gjx';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu'] });
async function ctx(viewport) {
  const c = await browser.newContext({ viewport, locale: 'zh-CN', baseURL: base });
  const p = await c.newPage();
  p.on('console', (m) => { if (m.type() === 'error') console.log('  console:', m.text(), m.location()?.url); });
  p.on('request', (r) => { if (/favicon/.test(r.url())) console.log('  favicon request:', r.url()); });
  return [c, p];
}
async function login(p, u) {
  await p.goto('/login'); await p.fill('#username', u); await p.fill('#password', 'Gangju#2022demo');
  await Promise.all([p.waitForNavigation(), p.getByRole('button', { name: '登 录' }).click()]);
}
const over = (p) => p.evaluate(() => [document.documentElement.scrollHeight, innerHeight, document.documentElement.scrollWidth, innerWidth]);
let [c, p] = await ctx({ width: 1366, height: 768 });
await login(p, 'sysadmin');
console.log('home scrollH/innerH', await over(p));
await p.goto('/system/units');
await p.fill('form.tree-search input', '三');
await p.screenshot({ path: `${OUT}/tree-filter.png`, clip: { x: 210, y: 110, width: 280, height: 300 } });
await p.goto('/system/units/2');
await p.screenshot({ path: `${OUT}/unit-view.png`, fullPage: true });
await p.goto('/system/users');
await p.screenshot({ path: `${OUT}/users-1366.png`, fullPage: true });
// reset password of first user row
const f = p.locator('form[action$="/reset"]').first();
if (await f.count()) {
  await f.locator('button').click();
  await Promise.all([p.waitForNavigation(), p.locator('.confirm-box .btn.primary').click()]);
  await p.screenshot({ path: `${OUT}/password-shown.png`, fullPage: true });
}
// sidebar collapsed
await p.goto('/system/units?page=3');
console.log('units p3 scrollH/innerH', await over(p));
await p.goto('/system/units/99999');
await p.click('a[data-back]');
await p.waitForLoadState();
console.log('after back:', p.url());
await c.close();
[c, p] = await ctx({ width: 1366, height: 768 });
await login(p, 'secadmin');
await p.goto('/system/roles');
const e = p.locator('a[href$="/edit"]').first();
if (await e.count()) { await e.click(); await p.waitForLoadState(); await p.screenshot({ path: `${OUT}/role-form.png`, fullPage: true }); }
await p.goto('/system/users');
await p.screenshot({ path: `${OUT}/users-secadmin.png`, fullPage: true });
await c.close();
[c, p] = await ctx({ width: 390, height: 844 });
await login(p, 'sysadmin');
await p.goto('/system/units?parent=' + '20');
await p.screenshot({ path: `${OUT}/units-390-parent.png` });
await p.click('.nav-toggle-btn'); await p.waitForTimeout(400);
await p.screenshot({ path: `${OUT}/menu-390.png` });
await c.close();
[c, p] = await ctx({ width: 1024, height: 768 });
await login(p, 'sysadmin');
await p.goto('/system/users');
await p.screenshot({ path: `${OUT}/users-1024.png`, fullPage: true });
await c.close();
await browser.close();
