import { symmetricCommand } from '../../../cli/key-commands.js';

export default class extends symmetricCommand('generic-secret') {}
