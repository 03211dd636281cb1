module.exports = async function globalTeardown() {
  // Nothing is shared between files: each one drops its own schema or embedded database.
};
