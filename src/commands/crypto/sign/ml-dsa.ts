import { signCommand } from '../../../cli/key-commands.js';

export default class extends signCommand('ml-dsa') {}
