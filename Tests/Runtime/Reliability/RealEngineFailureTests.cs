using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using InstantIdAvatars.Models;
using InstantIdAvatars.Pipeline;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Reliability
{
    /// <summary>
    /// Bad requests through the real ONNX engine on the tiny model set: each fails with a typed
    /// <see cref="InstantIdException"/> and the same generator then still generates.
    /// </summary>
    public sealed class RealEngineFailureTests
    {
        static readonly string Face = TestData.AstronautPhoto;
        string _dir = "";

        [SetUp] public void MakeFolder() => _dir = TestData.NewTempFolder();
        [TearDown] public void DeleteFolder() => Directory.Delete(_dir, true);

        static GeneratorOptions Cpu() => TestData.CpuOptions();

        static GenerationRequest Good() => new GenerationRequest { FacePhotoPaths = { Face }, Prompt = "portrait", Steps = 2, Seed = 1 };

        /// <summary>The exception type the request ended with, or "done"; fails on anything outside the family.</summary>
        static string Outcome(Task<GenerationResult> task)
        {
            try
            {
                Assert.That(task.Wait(TimeSpan.FromSeconds(120)), Is.True, "request finished");
                task.Result.Dispose();
                return "done";
            }
            catch (AggregateException e) when (e.InnerException is InstantIdException typed)
            {
                Assert.That(typed.Message, Is.Not.Empty);
                return typed.GetType().Name;
            }
            catch (AggregateException e)
            {
                Assert.Fail($"untyped {e.InnerException!.GetType().Name}: {e.InnerException.Message}");
                return "";
            }
        }

        [Test]
        public void BadInputs_EachFailTyped_AndTheGeneratorKeepsGenerating()
        {
            var png = File.ReadAllBytes(Face);
            var truncated = Path.Combine(_dir, "truncated.png");
            File.WriteAllBytes(truncated, png.Take(100).ToArray()); // past the header, before any pixel row
            var empty = Path.Combine(_dir, "empty.jpg");
            File.WriteAllBytes(empty, Array.Empty<byte>());
            var noFace = Path.Combine(_dir, "grey.png");
            using (var grey = new Image<Rgb24>(200, 200, new Rgb24(128, 128, 128))) grey.SaveAsPng(noFace);
            var badProfile = Path.Combine(_dir, "bad.iidprofile");
            File.WriteAllBytes(badProfile, png.Take(300).ToArray());

            var cases = new (string Name, Func<GenerationRequest> Make)[]
            {
                ("missing photo", () => { var r = Good(); r.FacePhotoPaths[0] = Path.Combine(_dir, "missing.png"); return r; }),
                ("zero-byte photo", () => { var r = Good(); r.FacePhotoPaths[0] = empty; return r; }),
                ("truncated photo", () => { var r = Good(); r.FacePhotoPaths[0] = truncated; return r; }),
                ("photo without a face", () => { var r = Good(); r.FacePhotoPaths[0] = noFace; return r; }),
                ("corrupt profile", () => new GenerationRequest { ProfilePath = badProfile, Prompt = "portrait", Steps = 2 }),
                ("missing profile", () => new GenerationRequest { ProfilePath = Path.Combine(_dir, "nope.iidprofile"), Prompt = "portrait", Steps = 2 }),
                ("pose photo without a face", () => { var r = Good(); r.PosePhotoPath = noFace; return r; }),
                ("unknown extra ControlNet", () => { var r = Good(); r.ExtraControls.Add(new ExtraControl { Name = "canny", ImagePath = Face }); return r; }),
            };
            using var generator = new InstantIdGenerator(TestData.TinyModelSet, Cpu());
            foreach (var (name, make) in cases)
            {
                var outcome = Outcome(generator.GenerateAsync(make()));
                TestContext.WriteLine($"{name}: {outcome}");
                Assert.That(outcome, Is.Not.EqualTo("done"), name + " must fail");
            }
            Assert.That(Outcome(generator.GenerateAsync(Good())), Is.EqualTo("done"), "the generator still works");
        }

        [Test]
        public void BrokenModelFile_FailsAsModelSetException_AndAfterTheFileIsFixedTheSameGeneratorWorks()
        {
            foreach (var file in Directory.GetFiles(TestData.TinyModelSet, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".meta")))
            {
                var target = Path.Combine(_dir, Path.GetRelativePath(TestData.TinyModelSet, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
            var decoder = Path.Combine(_dir, "vae_decoder/model.onnx");
            var good = File.ReadAllBytes(decoder);
            File.WriteAllText(decoder, "version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 1\n");
            using var generator = new InstantIdGenerator(_dir, Cpu());
            Assert.That(Outcome(generator.GenerateAsync(Good())), Is.EqualTo(nameof(ModelSetException)));
            File.WriteAllBytes(decoder, good);
            Assert.That(Outcome(generator.GenerateAsync(Good())), Is.EqualTo("done"), "a failed session load is retried on the next request");
        }
    }
}
