using System.IO;
using System.Linq;
using InstantIdAvatars.Authoring;
using InstantIdAvatars.Schedulers;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Reliability
{
    /// <summary>The generator window's scheduler check accepts exactly what the pipeline's scheduler factory runs.</summary>
    public sealed class SessionSchedulerNameTests
    {
        static readonly string Face = TestData.AstronautPhoto;

        static GeneratorSession Session(string scheduler) =>
            new GeneratorSession { PhotoPaths = { Face }, Prompt = "a knight", RandomSeed = false, Seed = 1, Scheduler = scheduler };

        [TestCase("euler_karras")]
        [TestCase("euler_trailing")]
        [TestCase("EulerDiscreteScheduler")] // what a result's Settings carry when the set's default ran
        [TestCase("DPMPP_2M")]
        public void SchedulerTheFactoryRuns_IsAccepted(string name)
        {
            var config = SchedulerConfig.FromJson((Newtonsoft.Json.Linq.JObject)Newtonsoft.Json.Linq.JObject.Parse(File.ReadAllText(Path.Combine(TestData.TinyModelSet, "model_index.json")))["scheduler"]!);
            Assert.That(SchedulerFactory.Create(name, config), Is.Not.Null, "the pipeline runs it");
            var session = Session(name);
            Assert.That(session.MessagesFor(GeneratorField.Scheduler).Select(m => m.Text), Is.Empty);
            Assert.That(session.BuildRequest().Scheduler, Is.EqualTo(name));
        }

        [Test]
        public void UnknownScheduler_IsAnErrorListingTheNames()
        {
            var messages = Session("frobnicate").MessagesFor(GeneratorField.Scheduler);
            Assert.That(messages.Single().Text, Does.Contain("Unknown scheduler 'frobnicate'").And.Contain("euler_karras"));
        }
    }
}
