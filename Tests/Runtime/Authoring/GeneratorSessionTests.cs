using System.IO;
using System.Linq;
using InstantIdAvatars.Authoring;
using InstantIdAvatars.Pipeline;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Authoring
{
    /// <summary>The generator window's form: request building order, seeds, per-field validation, persistence.</summary>
    public sealed class GeneratorSessionTests
    {
        string _folder = "";
        string _photo = "";

        [SetUp]
        public void MakePhoto()
        {
            _folder = TestData.NewTempFolder();
            _photo = Path.Combine(_folder, "face.png");
            File.Copy(TestData.Path("Faces/astronaut.png"), _photo);
        }

        [TearDown]
        public void Delete() => Directory.Delete(_folder, true);

        GeneratorSession Session() => new GeneratorSession { PhotoPaths = { _photo }, Prompt = "a knight", RandomSeed = false, Seed = 42 };

        [Test]
        public void BuildRequest_AppliesPresetFirst_ThenExplicitValues()
        {
            // full-body preset: "full body shot, {prompt}", 832×1216, steps 30, CFG 5, ip 0.6, IdentityNet 0.6
            var session = Session();
            session.PresetName = "full-body";
            session.IpAdapterScale = 0.9f;
            session.Height = 1024;
            session.NegativePrompt = "blurry";
            var r = session.BuildRequest();
            Assert.That(r.Prompt, Is.EqualTo("full body shot, a knight"));
            Assert.That(r.Width, Is.EqualTo(832), "from the preset");
            Assert.That(r.Height, Is.EqualTo(1024), "explicit beats preset");
            Assert.That(r.IpAdapterScale, Is.EqualTo(0.9f), "explicit beats preset");
            Assert.That(r.IdentityNetScale, Is.EqualTo(0.6f), "from the preset");
            Assert.That(r.Steps, Is.EqualTo(30));
            Assert.That(r.GuidanceScale, Is.EqualTo(5f));
            Assert.That(r.NegativePrompt, Is.EqualTo("blurry"), "explicit negative replaces the preset's");
            Assert.That(r.FacePhotoPaths, Is.EqualTo(new[] { _photo }));
            Assert.That(r.Seed, Is.EqualTo(42));
        }

        [Test]
        public void BuildRequest_UnsetNegative_KeepsPresetNegative_AndLcmPresetSetsScheduler()
        {
            var session = Session();
            session.PresetName = "npc-watercolor";
            var r = session.BuildRequest();
            Assert.That(r.Prompt, Is.EqualTo("watercolor painting of a knight, soft washes, paper texture"));
            Assert.That(r.NegativePrompt, Does.EndWith(", photo, photorealistic"));

            session.PresetName = "LCM";
            session.Steps = 4;
            r = session.BuildRequest();
            Assert.That(r.Scheduler, Is.EqualTo("lcm"));
            Assert.That(r.Steps, Is.EqualTo(4), "explicit steps beat the preset's 8");
            Assert.That(r.GuidanceScale, Is.EqualTo(1f));
            Assert.That(r.Prompt, Is.EqualTo("a knight"), "lcm has no template");
        }

        [Test]
        public void BuildRequest_WithoutPreset_UsesRequestDefaults()
        {
            var session = Session();
            session.PresetName = "";
            var r = session.BuildRequest();
            Assert.That((r.Prompt, r.NegativePrompt, r.Steps, r.GuidanceScale, r.IpAdapterScale, r.IdentityNetScale, r.Width, r.Height),
                Is.EqualTo(("a knight", "", 30, 5f, 0.8f, 0.8f, 0, 0)));
        }

        [Test]
        public void RandomSeed_DrawsANewSeedPerRequest_FromTheSeedSource()
        {
            long next = 100;
            var session = Session();
            session.RandomSeed = true;
            session.SeedSource = () => next++;
            Assert.That(session.BuildRequest().Seed, Is.EqualTo(100));
            Assert.That(session.BuildRequest().Seed, Is.EqualTo(101));
            Assert.That(session.PreviewRequest().Seed, Is.Null, "the preview does not draw");
        }

        [Test]
        public void DefaultSeedSource_StaysInTheTypableRange()
        {
            var session = Session();
            session.RandomSeed = true;
            for (int i = 0; i < 50; i++)
                Assert.That(session.BuildRequest().Seed, Is.InRange(0L, GeneratorSession.MaxRandomSeed));
        }

        [Test]
        public void Validate_NamesEveryBadField_AndBuildRequestListsThem()
        {
            var session = Session();
            session.Steps = 0;
            session.GuidanceScale = 60;
            session.IdentityNetStart = 0.8f;
            session.IdentityNetEnd = 0.5f;
            session.Width = 1020;
            session.Scheduler = "heun";
            var errors = session.Validate().Where(m => m.IsError).ToArray();
            Assert.That(errors.Select(m => m.Field), Is.EquivalentTo(new[]
            {
                GeneratorField.Steps, GeneratorField.Guidance, GeneratorField.IdentityNetWindow, GeneratorField.Size, GeneratorField.Scheduler,
            }));
            Assert.That(session.MessagesFor(GeneratorField.Size).Single().Text, Does.Contain("Width must be a multiple of 8").And.Contain("1020"));
            Assert.That(session.CanGenerate, Is.False);
            var e = Assert.Throws<InvalidRequestException>(() => session.BuildRequest())!;
            Assert.That(e.Problems, Has.Count.EqualTo(5));
        }

        [Test]
        public void Validate_Identity_MissingPhoto_NoPhoto_MissingProfile()
        {
            var session = Session();
            session.PhotoPaths.Add(Path.Combine(_folder, "gone.jpg"));
            Assert.That(session.MessagesFor(GeneratorField.Identity).Single().Text, Does.Contain("gone.jpg").And.Contain("does not exist"));

            session.PhotoPaths.Clear();
            Assert.That(session.MessagesFor(GeneratorField.Identity).Single().IsError, Is.True);

            session.Source = IdentitySource.Profile;
            session.ProfilePath = Path.Combine(_folder, "me.iidprofile");
            Assert.That(session.MessagesFor(GeneratorField.Identity).Single().Text, Does.Contain("does not exist"));

            File.WriteAllBytes(session.ProfilePath, new byte[] { 1 });
            Assert.That(session.MessagesFor(GeneratorField.Identity), Is.Empty);
            var r = session.BuildRequest();
            Assert.That(r.ProfilePath, Is.EqualTo(session.ProfilePath));
            Assert.That(r.FacePhotoPaths, Is.Empty, "only one kind of identity goes into the request");
        }

        [Test]
        public void Validate_UnknownPreset_IsAnError_ListingThePresets()
        {
            var session = Session();
            session.PresetName = "anime";
            var m = session.MessagesFor(GeneratorField.Preset).Single();
            Assert.That(m.IsError, Is.True);
            Assert.That(m.Text, Does.Contain("portrait").And.Contain("lcm"));
        }

        [Test]
        public void Warnings_DoNotBlockGeneration()
        {
            var session = Session();
            session.Prompt = "";
            session.Width = 512;
            session.Height = 512; // 0.25 MP, far below SDXL's ~1 MP
            session.Steps = 200;
            var warnings = session.Validate();
            Assert.That(warnings.All(m => m.Severity == MessageSeverity.Warning), Is.True);
            Assert.That(warnings.Select(m => m.Field), Is.EquivalentTo(new[] { GeneratorField.Prompt, GeneratorField.Size, GeneratorField.Steps }));
            Assert.That(session.CanGenerate, Is.True);
            Assert.That(session.BuildRequest().Width, Is.EqualTo(512));
        }

        [Test]
        public void Json_RoundTripsTheForm()
        {
            var session = Session();
            session.PresetName = "npc-scifi";
            session.GuidanceScale = 7.5f;
            session.Width = 896;
            session.Combine = InstantIdAvatars.Faces.MultiReferenceMode.Stacked;
            var copy = GeneratorSession.FromJson(session.ToJson());
            Assert.That(copy.ToJson(), Is.EqualTo(session.ToJson()));
            Assert.That((copy.PresetName, copy.GuidanceScale, copy.Width, copy.Height, copy.Seed, copy.RandomSeed, copy.Combine),
                Is.EqualTo(("npc-scifi", (float?)7.5f, (int?)896, (int?)null, 42L, false, InstantIdAvatars.Faces.MultiReferenceMode.Stacked)));
            Assert.That(copy.PhotoPaths, Is.EqualTo(new[] { _photo }));
            Assert.Throws<InstantIdException>(() => GeneratorSession.FromJson("{not json"));
        }
    }
}
