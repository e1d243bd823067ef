// electron-builder afterPack hook: flips Electron fuses in the packaged binary, before signing.
// Fuses are compile-time switches the app cannot undo at run time (https://www.electronjs.org/docs/latest/tutorial/fuses).
'use strict';
const path = require('node:path');
const { flipFuses, FuseVersion, FuseV1Options } = require('@electron/fuses');

/** The fuse wire of LRT Workbench: each line is one item of the security checklist. */
function fuseConfig(platform, arch) {
  return {
    version: FuseVersion.V1,
    // No ELECTRON_RUN_AS_NODE: the app binary can never be used as a plain Node interpreter.
    [FuseV1Options.RunAsNode]: false,
    // No NODE_OPTIONS / --inspect: nobody injects code or a debugger through the environment or flags.
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    // Only our signed app.asar is loaded, and its integrity is checked (macOS and Windows).
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    // Cookies encrypted at rest with the OS keychain (we set none, but the profile is protected).
    [FuseV1Options.EnableCookieEncryption]: true,
    // We never use file://; take away its extra privileges.
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    // Universal/arm64 macOS binaries need their ad-hoc signature reset after flipping.
    resetAdHocDarwinSignature: platform === 'darwin' && arch === 'arm64',
  };
}

/** Path of the Electron executable electron-builder just packed. */
function electronBinaryPath(context) {
  const platform = context.electronPlatformName;
  const product = context.packager.appInfo.productFilename;
  if (platform === 'darwin' || platform === 'mas') return path.join(context.appOutDir, `${product}.app`);
  if (platform === 'win32') return path.join(context.appOutDir, `${product}.exe`);
  return path.join(context.appOutDir, context.packager.executableName);
}

// electron-builder's Arch enum: 0 ia32, 1 x64, 2 armv7l, 3 arm64, 4 universal.
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

async function afterPack(context) {
  const platform = context.electronPlatformName;
  const arch = ARCH_NAMES[context.arch] || String(context.arch);
  const binary = electronBinaryPath(context);
  await flipFuses(binary, fuseConfig(platform, arch));
  console.log(`fuses: flipped for ${platform}/${arch} in ${binary}`);
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.fuseConfig = fuseConfig;
module.exports.electronBinaryPath = electronBinaryPath;
