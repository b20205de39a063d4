using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using InstantIdAvatars.Faces;
using InstantIdAvatars.Pipeline;
using InstantIdAvatars.Profiles;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Pipeline
{
    /// <summary>Images the generator makes that no caller receives are released, not left to the pool's luck.</summary>
    public sealed class GeneratorImageOwnershipTests
    {
        /// <summary>Returns a fresh image per request and reports a preview image per step; keeps every image it made.</summary>
        sealed class ImageEngine : IGenerationEngine
        {
            public readonly ConcurrentQueue<Image<Rgb24>> Made = new ConcurrentQueue<Image<Rgb24>>();

            Image<Rgb24> Make(int side)
            {
                var image = new Image<Rgb24>(side, side);
                Made.Enqueue(image);
                return image;
            }

            public GenerationResult Generate(GenerationRequest request, Action<GenerationProgress> report, CancellationToken ct)
            {
                for (int i = 1; i <= 3; i++) report(new GenerationProgress(GenerationStage.Denoising, i, 3, 0, request.Previews ? Make(2) : null));
                return new GenerationResult(Make(4), request.Clone(), new Dictionary<GenerationStage, TimeSpan>());
            }

            public FaceAnalysis AnalyzeFaces(Image<Rgb24> image) => throw new NotSupportedException();
            public IdentityProfile CreateProfile(IReadOnlyList<(string Label, Image<Rgb24> Image)> photos, string name) => throw new NotSupportedException();
            public void Dispose() { }
        }

        static bool IsDisposed(Image<Rgb24> image)
        {
            try { image.Clone().Dispose(); return false; }
            catch (ObjectDisposedException) { return true; }
        }

        [Test]
        public async Task WarmUp_ReleasesItsPlaceholderImage()
        {
            var engine = new ImageEngine();
            using var generator = new InstantIdGenerator(engine);
            await generator.WarmUpAsync();
            Assert.That(engine.Made, Has.Count.EqualTo(1));
            Assert.That(engine.Made, Has.All.Matches<Image<Rgb24>>(IsDisposed), "nobody receives the warm-up image");
        }

        [Test]
        public async Task PreviewsWithoutAProgressReceiver_AreReleased()
        {
            var engine = new ImageEngine();
            using var generator = new InstantIdGenerator(engine);
            using var result = await generator.GenerateAsync(new GenerationRequest { FacePhotoPaths = { "a.png" }, Previews = true });
            Assert.That(engine.Made, Has.Count.EqualTo(4));
            var previews = System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Take(engine.Made, 3));
            Assert.That(previews, Has.All.Matches<Image<Rgb24>>(IsDisposed), "no receiver: the step previews are released");
            Assert.That(IsDisposed(result.Image), Is.False, "the result stays the caller's");
        }
    }
}
