import Login from '../login.js';

/** `login mfa-token-sign --username U --role R --token FILE`: the MFA login with its word first. */
export default class LoginMfaTokenSign extends Login {
  static override summary = 'Log in as a user with MFA (token-sign): sign the token file it writes.';
  static override examples = ['<%= config.bin %> login mfa-token-sign --username alice --role crypto-user --token alice.token'];
}
