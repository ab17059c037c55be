'use strict';
// Debian's Chromium, headless, through playwright-core (no browser download): the flags
// keep it off the network and working in a container without a GPU or a sandbox.
const path = require('node:path');
const { chromium } = require('playwright-core');

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Chromium with its crash database and caches under `home`, not under ~. */
function launchChromium(home) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || CHROMIUM,
    args: CHROMIUM_FLAGS,
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_CACHE_HOME: path.join(home, 'cache') },
  });
}

module.exports = { CHROMIUM, CHROMIUM_FLAGS, launchChromium };
