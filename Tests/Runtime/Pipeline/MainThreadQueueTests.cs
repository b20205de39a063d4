using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using InstantIdAvatars.Pipeline;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Pipeline
{
    public sealed class MainThreadQueueTests
    {
        [Test]
        public void Drain_RunsActionsInPostOrder_OnTheDrainingThread()
        {
            var queue = new MainThreadQueue(e => Assert.Fail(e.ToString()));
            var ran = new List<int>();
            var threads = new List<int>();
            var posted = new Thread(() =>
            {
                for (int i = 0; i < 5; i++)
                {
                    int n = i;
                    queue.Post(() => { ran.Add(n); threads.Add(Environment.CurrentManagedThreadId); });
                }
            });
            posted.Start();
            posted.Join();
            Assert.That(ran, Is.Empty, "nothing runs before a drain");
            Assert.That(queue.Drain(100), Is.EqualTo(5));
            Assert.That(ran, Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
            Assert.That(threads, Is.All.EqualTo(Environment.CurrentManagedThreadId));
        }

        [Test]
        public void Drain_IsBounded_ActionsPostedWhileDrainingWaitForTheNextFrame()
        {
            var queue = new MainThreadQueue(e => Assert.Fail(e.ToString()));
            int runs = 0;
            void Repost() { runs++; queue.Post(Repost); }
            queue.Post(Repost);
            Assert.That(queue.Drain(3), Is.EqualTo(3), "an action that re-posts itself cannot stall the frame");
            Assert.That(runs, Is.EqualTo(3));
            Assert.That(queue.Count, Is.EqualTo(1));
            for (int i = 0; i < 10; i++) queue.Post(() => runs++);
            Assert.That(queue.Drain(4), Is.EqualTo(4));
            Assert.That(queue.Count, Is.EqualTo(11 - 4 + 1));
        }

        [Test]
        public void Drain_ReportsAThrowingActionAndRunsTheRest()
        {
            var errors = new List<Exception>();
            var queue = new MainThreadQueue(errors.Add);
            var ran = new List<string>();
            queue.Post(() => ran.Add("first"));
            queue.Post(() => throw new InvalidOperationException("boom"));
            queue.Post(() => ran.Add("third"));
            Assert.That(() => queue.Drain(10), Throws.Nothing);
            Assert.That(ran, Is.EqualTo(new[] { "first", "third" }));
            Assert.That(errors.Select(e => e.Message), Is.EqualTo(new[] { "boom" }));
        }

        [Test]
        public void Drain_SurvivesAThrowingErrorHandler()
        {
            var queue = new MainThreadQueue(e => throw new Exception("logger broke"));
            int ran = 0;
            queue.Post(() => throw new InvalidOperationException("boom"));
            queue.Post(() => ran++);
            Assert.That(queue.Drain(10), Is.EqualTo(2));
            Assert.That(ran, Is.EqualTo(1));
        }

        [Test]
        public void Post_FromManyThreads_LosesNothing()
        {
            var queue = new MainThreadQueue(e => Assert.Fail(e.ToString()));
            var seen = new ConcurrentBag<int>();
            Parallel.For(0, 1000, i => queue.Post(() => seen.Add(i)));
            int total = 0;
            while (queue.Count > 0) total += queue.Drain(64);
            Assert.That(total, Is.EqualTo(1000));
            Assert.That(seen.OrderBy(i => i), Is.EqualTo(Enumerable.Range(0, 1000)));
        }

        [Test]
        public void Clear_DropsWaitingActions_AndBadArgumentsThrow()
        {
            var queue = new MainThreadQueue(e => { });
            int ran = 0;
            queue.Post(() => ran++);
            queue.Clear();
            Assert.That(queue.Drain(10), Is.EqualTo(0));
            Assert.That(ran, Is.EqualTo(0));
            Assert.That(() => queue.Post(null!), Throws.ArgumentNullException);
            Assert.That(() => queue.Drain(0), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new MainThreadQueue(null!), Throws.ArgumentNullException);
        }
    }
}
