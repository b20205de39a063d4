using System;
using System.Collections.Generic;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Pipeline
{
    /// <summary>The image and everything needed to reproduce it. Dispose releases the image.</summary>
    public sealed class GenerationResult : IDisposable
    {
        public Image<Rgb24> Image { get; }
        /// <summary>The request with every value resolved (seed, size, scheduler): feeding it back reproduces the image.</summary>
        public GenerationRequest Settings { get; }
        public long Seed => Settings.Seed ?? 0;
        /// <summary>Wall time of each stage that ran.</summary>
        public IReadOnlyDictionary<GenerationStage, TimeSpan> Timings { get; }
        /// <summary>Host work per denoising step outside the model calls (for benchmarks; zero for warm-up).</summary>
        public TimeSpan HostTimePerStep { get; internal set; }
        /// <summary>Mean wall time of one denoising step.</summary>
        public TimeSpan StepTime { get; internal set; }
        /// <summary>Notes for the user (e.g. "3 faces found, used the largest").</summary>
        public IReadOnlyList<string> Notes { get; }

        public GenerationResult(Image<Rgb24> image, GenerationRequest settings, IReadOnlyDictionary<GenerationStage, TimeSpan> timings,
            IReadOnlyList<string>? notes = null)
        {
            Image = image; Settings = settings; Timings = timings; Notes = notes ?? Array.Empty<string>();
        }

        public void Dispose() => Image.Dispose();
    }
}
