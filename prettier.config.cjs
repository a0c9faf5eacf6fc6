/** @type {import('prettier').Config} */

// Prettier settings as in OCA's addons repository template for Odoo 18.0, which
// replaced .prettierrc.yml by this file: a plugin named by string in a YAML file is
// not found when pre-commit installs prettier in its own environment
// (https://github.com/prettier/prettier/issues/15388), require.resolve finds it.
const config = {
  plugins: [require.resolve("@prettier/plugin-xml")],
  bracketSpacing: false,
  printWidth: 88,
  proseWrap: "always",
  semi: true,
  trailingComma: "es5",
  xmlWhitespaceSensitivity: "preserve",
};

module.exports = config;
