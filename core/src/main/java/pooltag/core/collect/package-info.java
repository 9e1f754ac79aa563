/**
 * Primitive collections for the hot paths: no boxing, no object per entry. {@link pooltag.core.collect.LongIntHashMap}
 * is the one {@code long -> int} map every module uses.
 */
package pooltag.core.collect;
