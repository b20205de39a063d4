using System;
using System.IO;
using System.Threading.Tasks;
using InstantIdAvatars.Profiles;
using InstantIdAvatars.Faces;
using InstantIdAvatars.Models;
using InstantIdAvatars.Pipeline;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Reliability
{
    /// <summary>What the real engine leaves behind when a request fails part-way.</summary>
    public sealed class EngineErrorPathTests
    {
        static readonly string Face = TestData.AstronautPhoto;
        string _dir = "";

        [SetUp] public void MakeFolder() => _dir = TestData.NewTempFolder();
        [TearDown] public void DeleteFolder() => Directory.Delete(_dir, true);

        static GeneratorOptions Options(bool lowVram) => TestData.CpuOptions(lowVram);

        string BlackPhoto()
        {
            var path = Path.Combine(_dir, "black.png");
            using (var image = new Image<Rgb24>(200, 200)) image.SaveAsPng(path);
            return path;
        }

        [Test]
        public void LowVram_IdentityPhotoWithoutAFace_ReleasesTheFaceSessions()
        {
            var engine = new OnnxGenerationEngine(TestData.TinyModelSet, Options(lowVram: true));
            using var generator = new InstantIdGenerator(engine);
            var request = new GenerationRequest { FacePhotoPaths = { BlackPhoto() }, Prompt = "portrait", Steps = 2, Seed = 1 };
            Assert.That(async () => await generator.GenerateAsync(request), Throws.InstanceOf<NoFaceFoundException>());
            Assert.That(engine.LoadedSessionCount, Is.EqualTo(0), "low-VRAM mode keeps no session after a failed request");
        }

        [Test]
        public void LowVram_PosePhotoWithoutAFace_ReleasesTheFaceSessions()
        {
            var engine = new OnnxGenerationEngine(TestData.TinyModelSet, Options(lowVram: true));
            using var generator = new InstantIdGenerator(engine);
            var request = new GenerationRequest { FacePhotoPaths = { Face }, PosePhotoPath = BlackPhoto(), Prompt = "portrait", Steps = 2, Seed = 1 };
            Assert.That(async () => await generator.GenerateAsync(request), Throws.InstanceOf<NoFaceFoundException>());
            Assert.That(engine.LoadedSessionCount, Is.EqualTo(0), "low-VRAM mode keeps no session after a failed request");
        }

        [Test]
        public void SizeTheSetsModelsCannotRun_SaysWhichSizeToUse()
        {
            // the tiny set's models have fixed spatial axes (64×64)
            using var generator = new InstantIdGenerator(TestData.TinyModelSet, Options(lowVram: false));
            var request = new GenerationRequest { FacePhotoPaths = { Face }, Prompt = "portrait", Steps = 2, Seed = 1, Width = 48, Height = 64 };
            Assert.That(async () => await generator.GenerateAsync(request), Throws.InstanceOf<InstantIdException>()
                .With.Message.StartsWith("A model of the set at").And.Message.Contains("at 48×64").And.Message.Contains("default size 64×64"));
            Assert.That(generator.GenerateAsync(new GenerationRequest { FacePhotoPaths = { Face }, Prompt = "portrait", Steps = 2, Seed = 1 }).Wait(60000), Is.True,
                "the generator still works at the default size");
        }
        [Test]
        public async Task ProfileWithoutASourceHeight_FallsBackToTheFrontalLayout()
        {
            using var generator = new InstantIdGenerator(TestData.TinyModelSet, Options(lowVram: false));
            using var photo = Image.Load<Rgb24>(Face);
            var profile = await generator.CreateProfileAsync(new[] { ("astronaut.png", photo) }, "astronaut");
            profile.Sources[0].ImageHeight = 0; // a damaged or hand-written profile: its keypoints cannot be placed
            var request = new GenerationRequest { Profile = IdentityProfileFile.Deserialize(IdentityProfileFile.Serialize(profile)), Prompt = "portrait", Steps = 2, Seed = 1 };
            using var result = await generator.GenerateAsync(request);
            Assert.That(result.Notes, Has.Some.Contains("centred frontal face layout"));
        }
        [Test]
        public void ImageDisposedBeforeTheQueuedRequestRuns_SaysToKeepItAlive()
        {
            using var generator = new InstantIdGenerator(TestData.TinyModelSet, Options(lowVram: false));
            var photo = Image.Load<Rgb24>(Face);
            photo.Dispose(); // the caller's mistake: the request holds the image, not a copy
            var request = new GenerationRequest { FaceImages = { photo }, Prompt = "portrait", Steps = 2, Seed = 1 };
            Assert.That(async () => await generator.GenerateAsync(request), Throws.InstanceOf<InstantIdException>()
                .With.Message.Contains("was disposed before the generator used it").And.Message.Contains("Keep the request's images alive"));
        }
    }
}
