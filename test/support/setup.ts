/**
 * Loaded by mocha before any test file (.mocharc.json "require"). In-process tests hash new
 * passwords with cheap scrypt parameters; processes the tests start run the real ones.
 */
import { useCheapPasswordHashingForTests } from '../../src/core/users/password.js';

useCheapPasswordHashingForTests();
