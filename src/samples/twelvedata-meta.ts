/** The `meta` object Twelve Data sends with a US stock's time series (GET /time_series, docs and captures). */
export function stockMeta(listing: { symbol: string; exchange: string; mic: string }, interval = '1day') {
  return {
    symbol: listing.symbol,
    interval,
    currency: 'USD',
    exchange_timezone: 'America/New_York',
    exchange: listing.exchange,
    mic_code: listing.mic,
    type: 'Common Stock',
  };
}
