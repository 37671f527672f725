import { wrapCommand } from '../../../cli/key-commands.js';

export default class extends wrapCommand('rsa-oaep') {}
