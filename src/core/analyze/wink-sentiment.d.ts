declare module 'wink-sentiment' {
  interface WinkSentimentResult {
    /** Sum of AFINN-165 word scores (negation-aware). */
    readonly score: number;
    /** `score` per token, scaled to -5..5. */
    readonly normalizedScore: number;
  }
  function sentiment(phrase: string): WinkSentimentResult;
  export default sentiment;
}
