using System.IO;
using System.Linq;
using InstantIdAvatars.Models;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Reliability
{
    /// <summary>
    /// Damaged model sets that <c>Tests/Runtime/Models/ModelSetTests</c> does not already cover (missing, empty,
    /// truncated files, bad JSON and newer versions are there): each must end as one <see cref="ModelSetException"/>
    /// naming the file.
    /// </summary>
    public sealed class ModelSetFailureTests
    {
        string _copy = "";
        static readonly OrtSessionFactory s_cpu = new OrtSessionFactory(new SessionSettings { Provider = ExecutionProvider.Cpu });

        [SetUp]
        public void CopyTheTinySet()
        {
            _copy = TestData.NewTempFolder();
            foreach (var file in Directory.GetFiles(TestData.TinyModelSet, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".meta")))
            {
                var target = Path.Combine(_copy, Path.GetRelativePath(TestData.TinyModelSet, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }

        [TearDown]
        public void Delete() => Directory.Delete(_copy, true);

        string In(string relative) => Path.Combine(_copy, relative);

        [Test]
        public void TextFileRenamedOnnx_IsNamedByValidateAndByCreateSession()
        {
            File.WriteAllText(In("vae_decoder/model.onnx"), "version https://git-lfs.github.com/spec/v1\noid sha256:0123\nsize 167335342\n");
            var set = ModelSet.Open(_copy); // present and not empty: Open only checks that much
            var e = Assert.Throws<ModelSetException>(() => set.Validate())!;
            Assert.That(e.Problems.Single(), Does.StartWith("vae_decoder/model.onnx cannot be loaded by ONNX Runtime").And.Contain("export it again"));
            var e2 = Assert.Throws<ModelSetException>(() => set.CreateSession(ModelKind.VaeDecoder, s_cpu))!;
            Assert.That(e2.Problems.Single(), Does.StartWith("vae_decoder/model.onnx cannot be loaded by ONNX Runtime"));
            Assert.That(e2.Message, Does.Contain(_copy));
        }

        [Test]
        public void FolderPathThatIsAFile_SaysItIsAFile()
        {
            var file = In("model_index.json");
            var e = Assert.Throws<ModelSetException>(() => ModelSet.Open(file))!;
            Assert.That(e.Problems.Single(), Does.Contain("is a file, not a folder"));
        }

        [Test]
        public void ModelIndexThatIsADirectory_IsNamed()
        {
            File.Delete(In("model_index.json"));
            Directory.CreateDirectory(In("model_index.json"));
            var e = Assert.Throws<ModelSetException>(() => ModelSet.Open(_copy))!;
            Assert.That(e.Problems.Single(), Does.StartWith("model_index.json is a folder"));
        }

        [Test]
        public void ModelFileThatIsADirectory_IsNamed()
        {
            File.Delete(In("unet/model.onnx"));
            Directory.CreateDirectory(In("unet/model.onnx"));
            var e = Assert.Throws<ModelSetException>(() => ModelSet.Open(_copy))!;
            Assert.That(e.Problems.Single(), Does.StartWith("unet/model.onnx is a folder"));
        }

        [Test]
        public void ModelIndexLockedByAnotherWriter_IsAModelSetException()
        {
            // .NET emulates Windows sharing on Unix with advisory locks: a writer holding the file open blocks readers.
            using var writer = new FileStream(In("model_index.json"), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            var e = Assert.Throws<ModelSetException>(() => ModelSet.Open(_copy))!;
            Assert.That(e.Problems.Single(), Does.StartWith("model_index.json cannot be read"));
        }

        [Test]
        public void ModelIndexWithDeepNestingOrHugeNumbers_IsAModelSetException()
        {
            File.WriteAllText(In("model_index.json"), new string('[', 5000) + new string(']', 5000));
            Assert.That(() => ModelSet.Open(_copy), Throws.TypeOf<ModelSetException>().With.Message.Contains("model_index.json"));
            File.WriteAllText(In("model_index.json"), File.ReadAllText(Path.Combine(TestData.TinyModelSet, "model_index.json"))
                .Replace("\"version\": 1", "\"version\": 1e400").Replace("\"image_tokens\": 16", "\"image_tokens\": 99999999999999999999999"));
            Assert.That(() => ModelSet.Open(_copy), Throws.TypeOf<ModelSetException>().With.Message.Contains("model_index.json"));
        }

        [Test]
        public void ModelFromAnotherSlot_IsRejectedWhenItsSessionIsCreated()
        {
            // CreateSession checks the one graph it loads: the Resampler where the VAE decoder should be fails by name.
            File.Copy(In("image_proj/model.onnx"), In("vae_decoder/model.onnx"), true);
            var set = ModelSet.Open(_copy);
            var e = Assert.Throws<ModelSetException>(() => set.CreateSession(ModelKind.VaeDecoder, s_cpu))!;
            Assert.That(e.Problems, Has.Some.Contains("vae_decoder/model.onnx: missing input 'latent_sample'"));
        }
    }
}
