using System.Linq;
using InstantIdAvatars.Pipeline;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Pipeline
{
    public sealed class GenerationPresetTests
    {
        [Test]
        public void Portrait_IsTheInstantIdDemoSetting()
        {
            var request = new GenerationRequest { Prompt = "a woman" };
            GenerationPreset.Get("Portrait").ApplyTo(request);
            Assert.That((request.Steps, request.GuidanceScale, request.IpAdapterScale, request.IdentityNetScale, request.Width, request.Height),
                Is.EqualTo((30, 5f, 0.8f, 0.8f, 1024, 1024)));
            Assert.That(request.Prompt, Is.EqualTo("a woman"));
        }

        [Test]
        public void Template_WrapsThePrompt_AndNullFieldsLeaveValuesAlone()
        {
            var request = new GenerationRequest { Prompt = "an old sailor", Width = 512, Height = 512 };
            GenerationPreset.Get("npc-fantasy").ApplyTo(request);
            Assert.That(request.Prompt, Does.StartWith("fantasy character portrait of an old sailor,"));
            Assert.That((request.Width, request.Height), Is.EqualTo((512, 512)));
        }

        [Test]
        public void Lcm_SkipsGuidance()
        {
            var request = new GenerationRequest();
            GenerationPreset.Get("lcm").ApplyTo(request);
            Assert.That((request.Steps, request.GuidanceScale, request.Scheduler), Is.EqualTo((8, 1f, "lcm")));
        }

        [Test]
        public void BuiltIn_EveryPresetGivesAValidRequest()
        {
            foreach (var preset in GenerationPreset.BuiltIn)
            {
                var request = new GenerationRequest { FacePhotoPaths = { "x.png" } };
                preset.ApplyTo(request);
                Assert.That(() => request.Validate(), Throws.Nothing, preset.Name);
            }
            Assert.That(GenerationPreset.BuiltIn.Select(p => p.Name), Does.Contain("portrait").And.Contain("full-body").And.Contain("lcm"));
        }

        [Test]
        public void UnknownName_ListsTheKnownOnes() =>
            Assert.That(() => GenerationPreset.Get("anime"), Throws.InstanceOf<InstantIdException>().With.Message.Contains("portrait, full-body"));

        [Test]
        public void ParseList_RejectsBadFiles()
        {
            Assert.That(() => GenerationPreset.ParseList("{"), Throws.InstanceOf<InstantIdException>().With.Message.Contains("not a valid JSON array"));
            Assert.That(() => GenerationPreset.ParseList("[{\"steps\":3}]"), Throws.InstanceOf<InstantIdException>().With.Message.Contains("no \"name\""));
            Assert.That(() => GenerationPreset.ParseList("[{\"name\":\"a\",\"steps\":\"many\"}]"), Throws.InstanceOf<InstantIdException>().With.Message.Contains("wrong type"));
            Assert.That(() => GenerationPreset.ParseList("[{\"name\":\"a\"},{\"name\":\"A\"}]"), Throws.InstanceOf<InstantIdException>().With.Message.Contains("unique"));
        }
    }
}
