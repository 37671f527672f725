export { Store } from './store.js';
export type { ReadView, Transaction, StoreOptions, StoredValue } from './store.js';
export { isProcessAlive } from './lock.js';
