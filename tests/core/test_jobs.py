"""The job queue keeps honest states, keeps its order, and recovers after a restart."""

import pytest

from studio.core.jobs import Job, JobQueue, JobState, JobStateError


def queue_of(n):
    q = JobQueue()
    return q, [q.add(Job(shot_id=f"s{i}", request={"prompt": f"p{i}"})) for i in range(n)]


def test_lifecycle_and_events():
    q, (a, b) = queue_of(2)
    seen = []
    q.events.job_changed.connect(lambda job: seen.append((job.id, job.state)))
    assert q.next_queued() is a
    q.update(a.id, JobState.RUNNING)
    q.update(a.id, progress=0.5, message="step 5/10")
    q.update(a.id, JobState.FINISHED, take_id="t1")
    assert q.next_queued() is b
    assert seen[0] == (a.id, JobState.RUNNING) and a.take_id == "t1" and a.progress == 0.5


@pytest.mark.parametrize("start,bad", [
    (JobState.FINISHED, JobState.RUNNING),
    (JobState.QUEUED, JobState.FINISHED),
    (JobState.CANCELLED, JobState.RUNNING),
])
def test_impossible_state_changes_are_refused(start, bad):
    q, (job,) = queue_of(1)
    path = {JobState.FINISHED: [JobState.RUNNING, JobState.FINISHED],
            JobState.CANCELLED: [JobState.CANCELLED], JobState.QUEUED: []}[start]
    for state in path:
        q.update(job.id, state)
    with pytest.raises(JobStateError):
        q.update(job.id, bad)
    assert job.state is start


def test_retry_a_failed_job_starts_it_afresh():
    q, (job,) = queue_of(1)
    q.update(job.id, JobState.RUNNING, progress=0.7)
    q.update(job.id, JobState.FAILED, message="the engine stopped unexpectedly")
    q.update(job.id, JobState.QUEUED)
    assert (job.state, job.progress, job.message) == (JobState.QUEUED, 0.0, "")


def test_reorder_and_remove():
    q, jobs = queue_of(3)
    q.move(jobs[2].id, 0)
    assert [j.shot_id for j in q.jobs] == ["s2", "s0", "s1"]
    q.update(jobs[0].id, JobState.RUNNING)
    with pytest.raises(JobStateError, match="cancelled before"):
        q.remove(jobs[0].id)
    q.remove(jobs[1].id)
    assert [j.shot_id for j in q.jobs] == ["s2", "s0"]


def test_a_job_running_at_a_crash_is_queued_again():
    q, (a, _) = queue_of(2)
    q.update(a.id, JobState.RUNNING, progress=0.4)
    q.recover_after_restart()
    assert a.state is JobState.QUEUED and a.progress == 0.0
    assert q.next_queued() is a


def test_unknown_fields_are_refused():
    q, (job,) = queue_of(1)
    with pytest.raises(AttributeError):
        q.update(job.id, colour="red")
