'use strict';
// User settings seeded before code-server's first start, so the workbench opens quiet
// and offline: no welcome page, no chat, no toast when Flask listens, no update checks.
// The e2e test adds its typing-related settings; scripts/run.sh --vscode uses these as they are.

/**
 * @param {object} o
 * @param {string} o.python   the interpreter that runs the app (failsafeFlask.interpreter)
 * @param {number} [o.appPort] the app's port (failsafeFlask.port); default: the extension's
 */
function quietSettings({ python, appPort }) {
  return {
    'workbench.startupEditor': 'none',
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'remote.autoForwardPorts': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'git.enabled': false,
    'workbench.tips.enabled': false,
    'files.exclude': { '**/__pycache__': true },
    'failsafeFlask.interpreter': python,
    ...(appPort === undefined ? {} : { 'failsafeFlask.port': appPort }),
  };
}

module.exports = { quietSettings };
