/** Analysis only Windows captures need: pairing a PoolHitTag transcript's breaks by block address. */
package pooltag.windows.analysis;
