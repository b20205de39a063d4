namespace InstantIdAvatars.Pipeline
{
    /// <summary>How a generator runs its models.</summary>
    public sealed class GeneratorOptions
    {
        /// <summary>Execution provider, device and threads for every model session.</summary>
        public Models.SessionSettings Sessions { get; set; } = new Models.SessionSettings();

        /// <summary>
        /// Load each stage's models only while that stage runs (text encoders → unload → IdentityNet + UNet →
        /// unload → VAE), so peak GPU memory is the largest stage rather than the sum. Costs the model load time
        /// on every request (seconds on a real set); images are identical.
        /// </summary>
        public bool LowVram { get; set; }

        /// <summary>Prompt embeddings kept for reuse (least recently used are dropped).</summary>
        public int PromptCacheSize { get; set; } = 32;

        /// <summary>Identity tokens kept for reuse, keyed by the embedding.</summary>
        public int IdentityCacheSize { get; set; } = 8;
    }
}
