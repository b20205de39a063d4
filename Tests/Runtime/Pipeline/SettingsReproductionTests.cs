using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using InstantIdAvatars.Models;
using InstantIdAvatars.Pipeline;
using InstantIdAvatars.Profiles;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Pipeline
{
    /// <summary>
    /// A result's <see cref="GenerationResult.Settings"/>, fed back as it is and after a JSON round trip through
    /// <see cref="GenerationMetadata"/>, gives the same pixels for every kind of request.
    /// </summary>
    public sealed class SettingsReproductionTests
    {
        static readonly string Face = TestData.AstronautPhoto;
        static GeneratorOptions Cpu() => TestData.CpuOptions();

        InstantIdGenerator _generator = null!;
        string _dir = "";

        [OneTimeSetUp]
        public void Open()
        {
            _generator = new InstantIdGenerator(TestData.TinyModelSet, Cpu());
            _dir = TestData.NewTempFolder();
        }

        [OneTimeTearDown]
        public void Close()
        {
            _generator.Dispose();
            Directory.Delete(_dir, true);
        }

        static GenerationRequest Request() => new GenerationRequest
        {
            FacePhotoPaths = { Face }, Prompt = "portrait of an astronaut", NegativePrompt = "blurry", Steps = 3,
        };

        static byte[] Pixels(Image<Rgb24> image)
        {
            var bytes = new byte[image.Width * image.Height * 3];
            image.CopyPixelDataTo(bytes);
            return bytes;
        }

        async Task AssertReproduces(GenerationRequest request)
        {
            using var first = await _generator.GenerateAsync(request);
            using var again = await _generator.GenerateAsync(first.Settings);
            Assert.That(Pixels(again.Image), Is.EqualTo(Pixels(first.Image)), "settings fed back");
            var json = GenerationMetadata.ToJson(first.Settings);
            using var fromJson = await _generator.GenerateAsync(GenerationMetadata.FromJson(json));
            Assert.That(Pixels(fromJson.Image), Is.EqualTo(Pixels(first.Image)), "settings through JSON: " + json);
        }

        static IEnumerable<TestCaseData> Cases()
        {
            yield return new TestCaseData("img2img");
            yield return new TestCaseData("face-region");
            yield return new TestCaseData("pose photo");
            yield return new TestCaseData("weighting");
            yield return new TestCaseData("regions");
            yield return new TestCaseData("several photos");
            foreach (var preset in GenerationPreset.BuiltIn)
                yield return new TestCaseData("preset " + preset.Name);
            foreach (var scheduler in InstantIdAvatars.Schedulers.SchedulerFactory.ShortNames)
                yield return new TestCaseData("scheduler " + scheduler);
        }

        [TestCaseSource(nameof(Cases))]
        public async Task Settings_ReproduceTheImage(string kind)
        {
            var r = Request();
            switch (kind)
            {
                case "img2img": r.InitImagePath = Face; break;
                case "face-region": r.FaceRegionMask = true; r.FaceRegionFeather = 0.25f; break;
                case "pose photo": r.PosePhotoPath = Face; break;
                case "weighting": r.PromptWeighting = true; r.Prompt = "(astronaut:1.3), [helmet]"; break;
                case "several photos": r.FacePhotoPaths.Add(Face); r.Combine = InstantIdAvatars.Faces.MultiReferenceMode.Stacked; break;
                case "regions":
                    r.FacePhotoPaths.Clear();
                    r.Regions.Add(new IdentityRegionRequest { FacePhotoPath = Face, X = 0, Y = 0, Width = 32, Height = 64 });
                    r.Regions.Add(new IdentityRegionRequest { FacePhotoPath = Face, X = 32, Y = 8, Width = 32, Height = 48 });
                    break;
                default:
                    if (kind.StartsWith("preset ", StringComparison.Ordinal))
                    {
                        GenerationPreset.Get(kind.Substring(7)).ApplyTo(r);
                        r.Width = r.Height = 64; // the tiny set: keep it fast
                        r.Steps = Math.Min(r.Steps, 3);
                    }
                    else r.Scheduler = kind.Substring("scheduler ".Length);
                    break;
            }
            await AssertReproduces(r);
        }

        [Test]
        public async Task ProfileFile_SettingsReproduceTheImage()
        {
            using var photo = Image.Load<Rgb24>(Face);
            var profile = await _generator.CreateProfileAsync(new[] { ("astronaut.png", photo) }, "astronaut");
            var path = Path.Combine(_dir, "astronaut.iidprofile");
            IdentityProfileFile.Save(profile, path);
            var r = Request();
            r.FacePhotoPaths.Clear();
            r.ProfilePath = path;
            await AssertReproduces(r);
        }
    }
}
